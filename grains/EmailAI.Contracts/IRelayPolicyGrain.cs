namespace EmailAI.Contracts;

/// <summary>The cluster's relay policy (key <see cref="GrainKeys.RelayPolicy"/>).</summary>
public interface IRelayPolicyGrain : IGrainWithIntegerKey
{
    Task<RelaySettings> GetAsync();

    /// <summary>Merges the update into the current settings and validates the result; on Invalid nothing changes.</summary>
    Task<AdminResult> UpdateAsync(RelaySettingsUpdate update);

    /// <summary>
    /// The settings when they are newer than <paramref name="knownVersion"/>, else null: what each silo's cache
    /// polls, so an unchanged policy costs a few bytes a call.
    /// </summary>
    Task<RelayPolicySnapshot?> GetIfNewerAsync(long knownVersion);
}
