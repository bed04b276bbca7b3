namespace EmailAI.Contracts;

/// <summary>
/// The relay settings as of one <see cref="Version"/>: every accepted change to them increments it, so a
/// cache holding version N knows whether it is current by asking for anything newer.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RelayPolicySnapshot(long Version, RelaySettings Settings)
{
    /// <summary>
    /// The longest a silo decides from a version it has not confirmed as current (RelayPolicyCache.MaxAge): the
    /// bound within which a change reaches every node. The admin API's PUT returns only after it in a cluster.
    /// </summary>
    public static readonly TimeSpan PropagationBound = TimeSpan.FromSeconds(1);
}
