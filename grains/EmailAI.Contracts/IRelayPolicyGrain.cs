namespace EmailAI.Contracts;

/// <summary>The cluster's relay policy (key <see cref="GrainKeys.RelayPolicy"/>).</summary>
public interface IRelayPolicyGrain : IGrainWithIntegerKey
{
    Task<RelaySettings> GetAsync();

    /// <summary>Merges the update into the current settings and validates the result; on Invalid nothing changes.</summary>
    Task<AdminResult> UpdateAsync(RelaySettingsUpdate update);

    /// <summary>True when the client address is on the Authorised IP list.</summary>
    Task<bool> IsAuthorisedAsync(string clientIp);
}
