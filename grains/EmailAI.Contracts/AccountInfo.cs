namespace EmailAI.Contracts;

/// <summary>
/// A local account as the admin API shows it: never the password or its hash. <see cref="MessageCount"/> and
/// <see cref="MessageBytes"/> are what its maildrop holds now (the stored size of each message, from the message
/// store): the usage its quota is measured against.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AccountInfo(string Address, DateTimeOffset CreatedAt, int MessageCount, long MessageBytes)
{
    /// <summary>Maildrop (POP3) or an internal server (Advanced Delivery).</summary>
    [Id(4)]
    public DeliverySettings Delivery { get; init; } = DeliverySettings.MailboxDelivery;

    /// <summary>The account's own storage quota in octets as set; null when it inherits the domain's (or the node's).</summary>
    [Id(5)]
    public long? QuotaBytes { get; init; }

    /// <summary>The quota that applies: the account's, else its domain's, else the node's <c>EmailAI:Quota:DefaultBytes</c>; 0 is unlimited.</summary>
    [Id(6)]
    public long EffectiveQuotaBytes { get; init; }

    /// <summary>The account's own <c>"unlistedSenders"</c> as set; null when it inherits its domain's.</summary>
    [Id(7)]
    public UnlistedSenderMode? UnlistedSenders { get; init; }

    /// <summary>The mode that applies: the account's, else its domain's, else deliver.</summary>
    [Id(8)]
    public UnlistedSenderMode EffectiveUnlistedSenders { get; init; }
}
