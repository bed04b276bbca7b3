namespace EmailAI.Contracts;

/// <summary>
/// The answer to a <see cref="RelayCheckRequest"/>, decided by the same rules and the same cached policy as a real
/// session, with nothing sent or stored: the location verdict, the Authorised IP entry the address matches (null
/// when none), and the verdict the recipient would get (the location block's when the location refuses; null when
/// no recipient was asked about and the location does not refuse). <see cref="PolicyVersion"/> is the relay
/// policy's version it was decided from. <see cref="Spf"/> is the SPF check, when the request asked for one.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RelayCheck(LocationCheck Location, string? AuthorisedEntry, PolicyVerdict? Verdict, long PolicyVersion, RelaySpfCheck? Spf = null);
