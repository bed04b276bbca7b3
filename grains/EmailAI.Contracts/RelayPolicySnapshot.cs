namespace EmailAI.Contracts;

/// <summary>
/// The relay settings as of one <see cref="Version"/>: every accepted change to them increments it, so a
/// cache holding version N knows whether it is current by asking for anything newer.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RelayPolicySnapshot(long Version, RelaySettings Settings);
