namespace EmailAI.Grains.Delivery;

/// <summary>
/// The callout connections to one internal server (host:port): at most <paramref name="capacity"/> open at once,
/// busy or idle (a slot is held from <see cref="WaitAsync"/> to <see cref="Release"/>), and the idle ones kept for
/// reuse, newest first. A connection idle for <paramref name="idleTime"/> or longer is never handed out again and
/// is closed by <see cref="CloseIdleAsync"/>. Safe for concurrent use.
/// </summary>
internal sealed class CalloutPool(int capacity, TimeSpan idleTime, TimeProvider time)
{
    private readonly SemaphoreSlim _slots = new(capacity, capacity);
    private readonly Lock _gate = new();
    private readonly Stack<(SmtpDeliveryClient Client, DateTimeOffset IdleSince)> _idle = new();

    /// <summary>Connections idle now.</summary>
    public int IdleCount
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>Waits for a slot; throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires first.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    public void Release() => _slots.Release();

    /// <summary>The most recently used idle connection that is still fresh, or null; stale ones found on the way are closed.</summary>
    public SmtpDeliveryClient? TakeIdle()
    {
        var stale = new List<SmtpDeliveryClient>();
        SmtpDeliveryClient? fresh = null;
        lock (_gate)
        {
            while (fresh is null && _idle.TryPop(out var entry))
            {
                if (time.GetUtcNow() - entry.IdleSince < idleTime)
                {
                    fresh = entry.Client;
                }
                else
                {
                    stale.Add(entry.Client);
                }
            }
        }

        CloseInBackground(stale);
        return fresh;
    }

    /// <summary>Keeps a connection that finished its callout cleanly for the next one.</summary>
    public void Return(SmtpDeliveryClient client)
    {
        lock (_gate)
        {
            _idle.Push((client, time.GetUtcNow()));
        }
    }

    /// <summary>Closes (QUIT) the connections idle for <c>idleTime</c> or longer, or all idle ones when <paramref name="all"/>.</summary>
    public Task CloseIdleAsync(bool all = false)
    {
        var closing = new List<SmtpDeliveryClient>();
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var kept = _idle.Where(e => !all && now - e.IdleSince < idleTime).Reverse().ToList();
            closing.AddRange(_idle.Where(e => all || now - e.IdleSince >= idleTime).Select(e => e.Client));
            _idle.Clear();
            foreach (var entry in kept)
            {
                _idle.Push(entry);
            }
        }

        return Task.WhenAll(closing.Select(CloseAsync));
    }

    /// <summary>Says QUIT (errors ignored) and releases the connection.</summary>
    public static async Task CloseAsync(SmtpDeliveryClient client)
    {
        await client.QuitAsync();
        await client.DisposeAsync();
    }

    private static void CloseInBackground(List<SmtpDeliveryClient> clients)
    {
        foreach (var client in clients)
        {
            _ = CloseAsync(client);
        }
    }
}
