namespace EmailAI.Contracts;

/// <summary>The cluster's relay policy (key <see cref="GrainKeys.RelayPolicy"/>).</summary>
public interface IRelayPolicyGrain : IGrainWithIntegerKey
{
    Task<RelaySettings> GetAsync();

    /// <summary>Validates and replaces the settings whole; on Invalid nothing changes.</summary>
    Task<AdminResult> PutAsync(RelaySettings settings);

    /// <summary>True when the client address is on the Authorised IP list.</summary>
    Task<bool> IsAuthorisedAsync(string clientIp);
}
