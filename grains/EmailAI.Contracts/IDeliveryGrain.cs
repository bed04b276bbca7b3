using Orleans.Concurrency;

namespace EmailAI.Contracts;

/// <summary>
/// The outbound queue of one destination domain (the key, normalised). One activation in the cluster
/// owns the destination's connections, so its parallel-connection limit holds cluster-wide.
/// </summary>
public interface IDeliveryGrain : IGrainWithStringKey
{
    /// <summary>Mail for this destination was queued or became due: deliver what is due. Returns at once.</summary>
    [OneWay]
    Task WakeAsync();

    /// <summary>What the destination is doing now (for the admin API and tests).</summary>
    Task<DeliveryActivity> GetActivityAsync();
}
