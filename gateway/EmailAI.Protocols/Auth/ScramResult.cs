namespace EmailAI.Protocols.Auth;

/// <summary>
/// The verdict on a SCRAM client proof; on success, <see cref="ServerSignature"/> is what the server sends in
/// its final message (v=) to prove that it, too, knows the keys.
/// </summary>
public sealed record ScramResult(LoginStatus Status, string? Account = null, byte[]? ServerSignature = null);
