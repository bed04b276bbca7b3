using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace EmailAI.Grains.DkimSigning;

/// <summary>
/// A parsed DKIM private key of one domain and selector, ready to sign: RSA (PKCS#1 v1.5 over SHA-256, RFC 6376
/// §3.3.1) or Ed25519 (RFC 8463 §3, through BouncyCastle since .NET has no Ed25519). Immutable and thread-safe:
/// every <see cref="Sign"/> works on its own RSA instance, so concurrent messages sign in parallel.
/// </summary>
public sealed class DkimSigningKey
{
    /// <summary>PEM label of PKCS#1 RSA private keys (RFC 8017 appendix A.1.2).</summary>
    private const string Pkcs1Label = "RSA PRIVATE KEY";

    /// <summary>PEM label of PKCS#8 private keys (RFC 5958, RFC 7468 §10).</summary>
    private const string Pkcs8Label = "PRIVATE KEY";

    /// <summary>PEM label of encrypted PKCS#8 keys (RFC 7468 §11): refused, the server has no passphrase.</summary>
    private const string EncryptedPkcs8Label = "ENCRYPTED PRIVATE KEY";

    private readonly byte[]? _rsaPkcs8;
    private readonly Ed25519PrivateKeyParameters? _ed25519;

    private DkimSigningKey(string domain, string selector, string algorithm, int keyBits, byte[] publicKeyData, byte[] pkcs8, byte[]? rsaPkcs8, Ed25519PrivateKeyParameters? ed25519)
    {
        Domain = domain;
        Selector = selector;
        Algorithm = algorithm;
        KeyBits = keyBits;
        PublicKeyData = publicKeyData;
        Pkcs8Pem = PemEncoding.WriteString(Pkcs8Label, pkcs8);
        _rsaPkcs8 = rsaPkcs8;
        _ed25519 = ed25519;
    }

    /// <summary>The signing domain, the <c>d=</c> tag (a normalised domain key).</summary>
    public string Domain { get; }

    /// <summary>The <c>s=</c> tag.</summary>
    public string Selector { get; }

    /// <summary><see cref="DkimAlgorithms.RsaSha256"/> or <see cref="DkimAlgorithms.Ed25519Sha256"/>.</summary>
    public string Algorithm { get; }

    /// <summary>Modulus size of an RSA key; 256 for Ed25519.</summary>
    public int KeyBits { get; }

    /// <summary>
    /// The key-data of the <c>p=</c> tag, before base64: the DER SubjectPublicKeyInfo of an RSA key (RFC 6376
    /// §3.6.1, as every verifier reads it), the raw 32-octet public key for Ed25519 (RFC 8463 §4).
    /// </summary>
    public byte[] PublicKeyData { get; }

    /// <summary>The key in the form it is stored: PKCS#8 PEM, whatever form it was imported in.</summary>
    public string Pkcs8Pem { get; }

    /// <summary>The DKIM key record to publish at <c>selector._domainkey.domain</c> (RFC 6376 §3.6.1; RFC 8463 §4 for k=ed25519).</summary>
    public string DnsRecord => $"v=DKIM1; k={(Algorithm == DkimAlgorithms.Ed25519Sha256 ? "ed25519" : "rsa")}; p={Convert.ToBase64String(PublicKeyData)}";

    /// <summary>
    /// Reads the first private key in <paramref name="pem"/>: PKCS#1 RSA, PKCS#8 RSA or PKCS#8 Ed25519. Throws
    /// <see cref="FormatException"/> with a text fit for the admin (it never quotes the key) for anything else:
    /// no PEM, an encrypted key, another key type, a damaged key.
    /// </summary>
    public static DkimSigningKey Parse(string domain, string selector, string pem)
    {
        foreach (var (label, der) in PemBlocks(pem))
        {
            switch (label)
            {
                case Pkcs1Label:
                    return ImportRsa(domain, selector, rsa => rsa.ImportRSAPrivateKey(der, out _));
                case Pkcs8Label:
                    return FromPkcs8(domain, selector, der);
                case EncryptedPkcs8Label:
                    throw new FormatException("privateKeyPem is encrypted; import the decrypted key");
            }
        }

        throw new FormatException($"privateKeyPem holds no '{Pkcs1Label}' or '{Pkcs8Label}' PEM block");
    }

    /// <summary>
    /// The signature of <paramref name="data"/> (RFC 6376 §3.7 "data-hash" input): RSASSA-PKCS1-v1_5 with SHA-256,
    /// or Ed25519 over SHA-256(<paramref name="data"/>) as RFC 8463 §3 prescribes (the hash is signed, not the data).
    /// </summary>
    public byte[] Sign(byte[] data)
    {
        if (_ed25519 is not null)
        {
            var signer = new Ed25519Signer();
            signer.Init(true, _ed25519);
            var hash = SHA256.HashData(data);
            signer.BlockUpdate(hash, 0, hash.Length);
            return signer.GenerateSignature();
        }

        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(_rsaPkcs8, out _);
        return rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>A new RSA key of <paramref name="bits"/> (the caller checked the bounds).</summary>
    public static DkimSigningKey GenerateRsa(string domain, string selector, int bits)
    {
        using var rsa = RSA.Create(bits);
        return FromRsa(domain, selector, rsa);
    }

    /// <summary>A new Ed25519 key from the system's cryptographic random source.</summary>
    public static DkimSigningKey GenerateEd25519(string domain, string selector) =>
        FromEd25519(domain, selector, new Ed25519PrivateKeyParameters(new SecureRandom()));

    private static DkimSigningKey FromPkcs8(string domain, string selector, byte[] der)
    {
        Org.BouncyCastle.Crypto.AsymmetricKeyParameter key;
        try
        {
            key = PrivateKeyFactory.CreateKey(der);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or SecurityUtilityException or InvalidCastException)
        {
            throw new FormatException("privateKeyPem is not a readable PKCS#8 private key", ex);
        }

        return key switch
        {
            Ed25519PrivateKeyParameters ed25519 => FromEd25519(domain, selector, ed25519),
            Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters => ImportRsa(domain, selector, rsa => rsa.ImportPkcs8PrivateKey(der, out _)),
            _ => throw new FormatException("privateKeyPem is neither an RSA nor an Ed25519 private key"),
        };
    }

    private static DkimSigningKey ImportRsa(string domain, string selector, Action<RSA> load)
    {
        using var rsa = RSA.Create();
        try
        {
            load(rsa);
            return FromRsa(domain, selector, rsa);
        }
        catch (CryptographicException ex)
        {
            throw new FormatException("privateKeyPem is not a readable RSA private key", ex);
        }
    }

    private static DkimSigningKey FromRsa(string domain, string selector, RSA rsa)
    {
        var pkcs8 = rsa.ExportPkcs8PrivateKey();
        return new DkimSigningKey(domain, selector, DkimAlgorithms.RsaSha256, rsa.KeySize, rsa.ExportSubjectPublicKeyInfo(), pkcs8, pkcs8, null);
    }

    private static DkimSigningKey FromEd25519(string domain, string selector, Ed25519PrivateKeyParameters key)
    {
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetEncoded();
        return new DkimSigningKey(domain, selector, DkimAlgorithms.Ed25519Sha256, 256, key.GeneratePublicKey().GetEncoded(), pkcs8, null, key);
    }

    /// <summary>The PEM blocks of <paramref name="pem"/> in order (RFC 7468), each label with its decoded content.</summary>
    private static IEnumerable<(string Label, byte[] Der)> PemBlocks(string pem)
    {
        var rest = pem.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var label = rest.Span[fields.Label].ToString();
            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(rest.Span[fields.Base64Data], der, out var written))
            {
                throw new FormatException("privateKeyPem has a PEM block that is not valid base64");
            }

            yield return (label, der[..written]);
            rest = rest[fields.Location.End..];
        }
    }
}
