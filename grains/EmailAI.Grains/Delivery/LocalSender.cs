using EmailAI.Contracts;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// The one "is this envelope sender one of ours" lookup, shared by ingest (the auto white list belongs to a
/// local sender) and the delivery notifier (where a DSN to the sender goes). The domain is normalised as a
/// grain key and the local part normalised, both by <see cref="EmailAddress"/>, as the domain grain's accounts are.
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
        if (!EmailAddress.TryParse(sender, out var address))
        {
            return null;
        }

        var resolution = await grains.GetGrain<IDomainGrain>(address.Domain).ResolveAsync(address.LocalPart);
        return (address.Domain, resolution);
    }
}
