namespace EmailAI.Gateway.Pop3;

/// <summary>
/// Login protection and maildrop locking of the POP3 gateway (section <c>EmailAI:Pop3</c>). The login limits apply
/// to SMTP AUTH too: the gateway's one login service (<c>GrainCredentialVerifier</c>) takes them from here for both
/// protocols, and the key names stay as they were documented. Password checks are counted cluster-wide per (login
/// name, client IP) and per client IP, with a slot reserved before each check; at a limit, logins for that name from
/// that IP, or from that IP, are answered "too many failed logins" (after <see cref="AuthFailureDelay"/>) without a
/// check until old checks leave the window. Nothing is counted per account alone, so a stranger cannot lock the
/// owner out: from another address the owner's password is always checked. The per-client limit is higher because
/// many users may share one address (an office behind NAT).
/// </summary>
public sealed class Pop3LoginOptions
{
    /// <summary>
    /// Password checks for one login name from one client IP within <see cref="AuthFailureWindow"/> (0 = no limit);
    /// With the default, 10 checks per window for each (name, address) pair, however many connections guess at once.
    /// </summary>
    public int MaxAuthFailures { get; set; } = 10;

    /// <summary>Password checks from one client IP (IPv6: its /64) within <see cref="AuthFailureWindow"/>, all names together (0 = no limit).</summary>
    public int MaxAuthFailuresPerClient { get; set; } = 50;

    public TimeSpan AuthFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Pause before answering a failed or throttled login (Dovecot's auth_failure_delay), which slows guessing on one connection.</summary>
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
