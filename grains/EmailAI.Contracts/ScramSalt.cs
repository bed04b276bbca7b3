namespace EmailAI.Contracts;

/// <summary>The salt and iteration count of an account's stored SCRAM-SHA-256 keys (RFC 5802 §5.1 s= and i=).</summary>
[GenerateSerializer, Immutable]
public sealed record ScramSalt(byte[] Salt, int Iterations);
