namespace EmailAI.Contracts;

/// <summary>
/// What an admin sets on a domain (PUT /api/v1/domains/{domain}). <see cref="QuotaBytes"/>: the default storage
/// quota of its accounts in octets (0 unlimited, null the node's <c>EmailAI:Quota:DefaultBytes</c>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DomainSettings(DeliverySettings Delivery, string? Postmaster)
{
    [Id(2)]
    public long? QuotaBytes { get; init; }

    /// <summary>The default <c>"unlistedSenders"</c> of its accounts that set none; null is deliver.</summary>
    [Id(3)]
    public UnlistedSenderMode? UnlistedSenders { get; init; }
}
