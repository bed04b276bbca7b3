namespace EmailAI.Grains;

/// <summary>
/// Persisted state of a local account. The password only ever as a <see cref="PasswordHasher"/> hash and as SCRAM
/// keys (<see cref="Auth.ScramCredentials"/>), except the APOP copy below.
/// </summary>
[GenerateSerializer]
public sealed class AccountState
{
    [Id(0)]
    public bool Exists { get; set; }

    [Id(1)]
    public string? PasswordHash { get; set; }

    [Id(2)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The password in clear, kept only while the node offers APOP (RFC 1939 §7 needs it).</summary>
    [Id(3)]
    public string? ApopSecret { get; set; }

    /// <summary>
    /// The maildrop lock of a POP3 session, written only when an activation is deactivated while a session
    /// holds it (a silo shutting down hands its grains over), so the session keeps its lock on the next silo.
    /// </summary>
    [Id(4)]
    public MaildropLease? HandedOverLock { get; set; }

    /// <summary>Where the account's mail goes: its maildrop, or an internal server (Advanced Delivery).</summary>
    [Id(5)]
    public EmailAI.Contracts.DeliverySettings Delivery { get; set; } = EmailAI.Contracts.DeliverySettings.MailboxDelivery;

    /// <summary>
    /// SCRAM-SHA-256 keys of the current password; null for an account whose password was set before they existed,
    /// until its next good password login derives them. Replaced with the password, gone with the account.
    /// </summary>
    [Id(6)]
    public Auth.ScramCredentials? Scram { get; set; }

    /// <summary>The account's own storage quota in octets (0 unlimited); null inherits its domain's, then the node's.</summary>
    [Id(7)]
    public long? QuotaBytes { get; set; }

    /// <summary>The account's own <c>"unlistedSenders"</c>; null inherits its domain's.</summary>
    [Id(8)]
    public EmailAI.Contracts.UnlistedSenderMode? UnlistedSenders { get; set; }
}
