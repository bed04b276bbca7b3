namespace EmailAI.Grains;

/// <summary>
/// The exclusive lock of one maildrop: held by one session id until released or until its lease runs
/// out. The lease is what frees a maildrop whose gateway died holding it: at most one lease after the
/// last renewal, another session can log in. Time comes from <see cref="TimeProvider"/>.
/// Not thread-safe: it lives inside a grain, whose turns are serial.
/// </summary>
public sealed class MaildropLock(TimeProvider time)
{
    private string? _holder;
    private DateTimeOffset _expires;

    public string? Holder => IsHeld ? _holder : null;

    private bool IsHeld => _holder is not null && time.GetUtcNow() < _expires;

    /// <summary>Takes the lock (or renews it for its holder). False if another session holds a live lease.</summary>
    public bool TryAcquire(string sessionId, TimeSpan lease)
    {
        if (IsHeld && _holder != sessionId)
        {
            return false;
        }

        _holder = sessionId;
        _expires = time.GetUtcNow() + lease;
        return true;
    }

    /// <summary>
    /// Extends the holder's lease. A session whose lease ran out but whose lock nobody took meanwhile
    /// gets it back (a slow renewal, or a grain reactivated after a silo failure); one whose lock was
    /// taken does not.
    /// </summary>
    public bool TryRenew(string sessionId, TimeSpan lease) => TryAcquire(sessionId, lease);

    /// <summary>True if <paramref name="sessionId"/> holds a live lease.</summary>
    public bool IsHeldBy(string sessionId) => IsHeld && _holder == sessionId;

    /// <summary>The live lease, if any: what a grain hands over when its silo shuts down.</summary>
    public MaildropLease? Lease => IsHeld ? new MaildropLease(_holder!, _expires) : null;

    /// <summary>Takes over a lease handed over by a previous activation, unless it has run out meanwhile.</summary>
    public void Restore(MaildropLease? lease)
    {
        if (lease is not null && time.GetUtcNow() < lease.Expires)
        {
            (_holder, _expires) = (lease.Holder, lease.Expires);
        }
    }

    /// <summary>Releases the lock if <paramref name="sessionId"/> holds it.</summary>
    public void Release(string sessionId)
    {
        if (_holder == sessionId)
        {
            _holder = null;
        }
    }
}
