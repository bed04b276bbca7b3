namespace EmailAI.Contracts;

/// <summary>
/// What an admin asks for in <c>PUT /api/v1/domains/{domain}/dkim</c>: a new key of <see cref="Algorithm"/>
/// (<c>rsa-sha256</c> of <see cref="KeyBits"/>, or <c>ed25519-sha256</c>), or the imported
/// <see cref="PrivateKeyPem"/> (PKCS#1 or PKCS#8 RSA, PKCS#8 Ed25519), whose type then decides the algorithm.
/// Null members take their defaults; the domain grain validates everything.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DkimKeyRequest(
    string? Selector,
    string? Algorithm,
    int? KeyBits,
    string? PrivateKeyPem);
