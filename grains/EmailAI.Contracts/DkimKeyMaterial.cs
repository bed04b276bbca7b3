namespace EmailAI.Contracts;

/// <summary>
/// A domain's DKIM private key for the silo's signer (<c>DkimKeyCache</c>): selector, algorithm and the key as
/// PKCS#8 PEM. Travels only between grains and silos; the admin API never returns it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DkimKeyMaterial(
    string Domain,
    string Selector,
    string Algorithm,
    string PrivateKeyPem);
