using EmailAI.Contracts;

namespace EmailAI.Grains;

/// <summary>Persisted relay settings.</summary>
[GenerateSerializer]
public sealed class RelayPolicyState
{
    [Id(0)]
    public RelaySettings Settings { get; set; } = RelaySettings.Default;

    /// <summary>Incremented by every accepted change; silos' caches compare it (see RelayPolicyCache).</summary>
    [Id(1)]
    public long Version { get; set; }
}
