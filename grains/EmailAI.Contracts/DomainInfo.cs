namespace EmailAI.Contracts;

/// <summary>A local domain as the admin API shows it. <see cref="Postmaster"/> is where postmaster@ mail goes when no postmaster account exists.</summary>
/// <see cref="QuotaBytes"/> is the storage quota of each account that sets none of its own (null: the node's default).
[GenerateSerializer, Immutable]
public sealed record DomainInfo(string Name, DeliverySettings Delivery, string? Postmaster, int AccountCount)
{
    [Id(4)]
    public long? QuotaBytes { get; init; }

    /// <summary>The default <c>"unlistedSenders"</c> of accounts that set none (deliver when never set).</summary>
    [Id(5)]
    public UnlistedSenderMode UnlistedSenders { get; init; }
}
