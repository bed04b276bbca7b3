namespace EmailAI.Grains.DkimSigning;

/// <summary>The signing algorithms this server signs with, as named in the <c>a=</c> tag.</summary>
public static class DkimAlgorithms
{
    /// <summary>RFC 6376 §3.3.1, with RFC 8301's key sizes.</summary>
    public const string RsaSha256 = "rsa-sha256";

    /// <summary>RFC 8463 §3: PureEdDSA (Ed25519) over the SHA-256 hash of the signed data.</summary>
    public const string Ed25519Sha256 = "ed25519-sha256";
}
