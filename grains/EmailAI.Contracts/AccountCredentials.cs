namespace EmailAI.Contracts;

/// <summary>A login attempt: a password, or an APOP digest (RFC 1939 §7) over the greeting's timestamp.</summary>
[GenerateSerializer, Immutable]
public sealed record AccountCredentials(string? Password, string? ApopTimestamp = null, string? ApopDigest = null);
