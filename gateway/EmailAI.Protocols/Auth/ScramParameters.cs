namespace EmailAI.Protocols.Auth;

/// <summary>
/// The salt and iteration count a SCRAM server sends in its first message (RFC 5802 §5.1 s= and i=). For an
/// unknown user, or an account whose SCRAM keys do not exist yet, a made-up pair that is stable for that name,
/// so the answer does not tell the cases apart.
/// </summary>
public sealed record ScramParameters(byte[] Salt, int Iterations);
