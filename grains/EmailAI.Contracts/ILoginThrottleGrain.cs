namespace EmailAI.Contracts;

/// <summary>
/// Counts password checks for one key (a pair of login name and client address, or a client address; see
/// <see cref="GrainKeys"/>), cluster-wide and in memory: a restart forgets them, which only shortens a throttle.
/// The protocol is reserve-then-report: a check slot is reserved <em>before</em> the password is verified, in
/// one call that both tests and counts, so however many connections guess at once, at most the limit of checks
/// happen per window and key. A reserved slot stays counted as a failure unless the caller gives it back
/// (<see cref="ReleaseAsync"/>) because the check succeeded or never took place. The caller passes the policy so
/// every gateway applies its configured limits.
/// </summary>
public interface ILoginThrottleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes one check slot when fewer than <paramref name="limit"/> lie within <paramref name="window"/>, and
    /// says whether it did. A refused reservation counts nothing, so a throttled client cannot extend its own
    /// throttle by trying on. Atomic: a grain turn.
    /// </summary>
    Task<bool> TryReserveAsync(int limit, TimeSpan window);

    /// <summary>
    /// Gives back the newest reserved slot (its check succeeded, or was not made); with
    /// <paramref name="forgetAll"/>, forgets every slot of the key (a successful login for this very pair).
    /// Safe to repeat: an empty key stays empty.
    /// </summary>
    Task ReleaseAsync(bool forgetAll);
}
