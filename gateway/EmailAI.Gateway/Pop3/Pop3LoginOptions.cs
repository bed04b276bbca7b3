namespace EmailAI.Gateway.Pop3;

/// <summary>
/// Login protection and maildrop locking of the POP3 gateway (section <c>EmailAI:Pop3</c>). Failures are
/// counted cluster-wide per account and per client IP; at a limit, further logins for that account or
/// from that IP are refused (-ERR [AUTH]) without checking the password until the window has passed.
/// The per-client limit is higher because many users may share one address (an office behind NAT).
/// </summary>
public sealed class Pop3LoginOptions
{
    /// <summary>Failed logins for one account within <see cref="AuthFailureWindow"/> that block it (0 = never block).</summary>
    public int MaxAuthFailures { get; set; } = 10;

    /// <summary>Failed logins from one client IP within <see cref="AuthFailureWindow"/> that block it (0 = never block).</summary>
    public int MaxAuthFailuresPerClient { get; set; } = 50;

    public TimeSpan AuthFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Pause before answering a failed login (Dovecot's auth_failure_delay), which slows guessing on one connection.</summary>
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a password that verified is remembered (in memory, as a keyed fast hash) so that a client
    /// polling every few minutes does not pay the slow hash each time; 0 turns the cache off. A password
    /// change forgets it at once.
    /// </summary>
    public TimeSpan AuthCacheTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Lease of a maildrop lock. The gateway renews it every third of the lease while the session lives; if
    /// the gateway dies, the maildrop is free again at most one lease later.
    /// </summary>
    public TimeSpan LockLease { get; set; } = TimeSpan.FromMinutes(1);
}
