using EmailAI.Contracts;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// The one "is this envelope sender one of ours" lookup, shared by ingest (the auto white list belongs to a
/// local sender) and the delivery notifier (where a DSN to the sender goes). The domain is normalised as a
/// grain key; the local part is lower-cased, as the domain grain's accounts are.
/// </summary>
public static class LocalSender
{
    /// <summary>
    /// The sender's normalised domain and what that domain's grain says of its local part; null when the address
    /// has no domain a route can reach (no <c>@</c>, a single label, an address literal) — then nothing local or
    /// remote can be named. Throws what the grain call throws (a temporary failure).
    /// </summary>
    public static async Task<(string Domain, RecipientResolution Resolution)?> ResolveAsync(IGrainFactory grains, string sender)
    {
        var at = sender.LastIndexOf('@');
        if (at <= 0 || !GrainKeys.TryNormalizeDomain(sender[(at + 1)..], out var domain))
        {
            return null;
        }

        var resolution = await grains.GetGrain<IDomainGrain>(domain).ResolveAsync(sender[..at].ToLowerInvariant());
        return (domain, resolution);
    }
}
