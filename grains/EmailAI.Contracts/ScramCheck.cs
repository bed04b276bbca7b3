namespace EmailAI.Contracts;

/// <summary>
/// An account grain's verdict on a SCRAM-SHA-256 client proof: <see cref="ServerSignature"/> (RFC 5802 §3) is set
/// only when the proof was valid; an account without SCRAM keys, or no account, is simply not valid.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScramCheck(bool Valid, byte[]? ServerSignature);
