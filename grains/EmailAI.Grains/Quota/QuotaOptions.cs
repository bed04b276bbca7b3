namespace EmailAI.Grains.Quota;

/// <summary>
/// Storage quotas (<c>EmailAI:Quota</c>, a silo setting). Without a quota any sender can fill a mailbox, and with it
/// the disk every other mailbox shares: a quota bounds what one maildrop may hold, and mail beyond it is refused
/// with 552 5.2.2 (RFC 3463 §3.3) instead of stored.
/// </summary>
public sealed class QuotaOptions
{
    public const string Section = "EmailAI:Quota";

    /// <summary>
    /// Octets a maildrop may hold when neither its account (<c>"quotaBytes"</c>) nor its domain sets a quota; 0 is
    /// unlimited. Default 0, as Dovecot's quota plugin has no quota until a rule sets one (Postfix's nearest
    /// parameter, <c>mailbox_size_limit</c>, caps one mbox file rather than an account, and so has no counterpart
    /// here).
    /// </summary>
    public long DefaultBytes { get; set; }
}
