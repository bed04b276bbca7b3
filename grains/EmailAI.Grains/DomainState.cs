namespace EmailAI.Grains;

/// <summary>Persisted state of a local domain. A domain exists while <see cref="Exists"/> is true.</summary>
[GenerateSerializer]
public sealed class DomainState
{
    [Id(0)]
    public bool Exists { get; set; }

    [Id(1)]
    public EmailAI.Contracts.DeliverySettings Delivery { get; set; } = EmailAI.Contracts.DeliverySettings.MailboxDelivery;

    [Id(2)]
    public string? Postmaster { get; set; }

    /// <summary>Normalised local parts of the domain's accounts.</summary>
    [Id(3)]
    public HashSet<string> Accounts { get; set; } = [];

    /// <summary>Accounts (local parts, also in <see cref="Accounts"/>) whose mail goes to an internal server (Advanced Delivery).</summary>
    [Id(4)]
    public Dictionary<string, EmailAI.Contracts.DeliverySettings> ForwardedAccounts { get; set; } = [];

    /// <summary>Default storage quota (octets, 0 unlimited) of accounts without their own; null: the node's.</summary>
    [Id(5)]
    public long? QuotaBytes { get; set; }

    /// <summary>Accounts (local parts, also in <see cref="Accounts"/>) with a quota of their own, so a RCPT is decided from memory.</summary>
    [Id(6)]
    public Dictionary<string, long> AccountQuotas { get; set; } = [];

    /// <summary>Default <c>"unlistedSenders"</c> of accounts without their own; null: deliver.</summary>
    [Id(7)]
    public EmailAI.Contracts.UnlistedSenderMode? UnlistedSenders { get; set; }

    /// <summary>Accounts (local parts, also in <see cref="Accounts"/>) with an <c>"unlistedSenders"</c> of their own, so a RCPT is decided from memory.</summary>
    [Id(8)]
    public Dictionary<string, EmailAI.Contracts.UnlistedSenderMode> AccountUnlistedSenders { get; set; } = [];

    /// <summary>The domain's DKIM signing key (null: its mail is not signed); it goes when the domain does.</summary>
    [Id(9)]
    public DkimSigning.DkimKeyState? Dkim { get; set; }
}
