using System.Security.Cryptography;
using EmailAI.Contracts;
using EmailAI.Grains.DkimSigning;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace EmailAI.Tests.DkimSigning;

/// <summary>What an admin may ask for: generated and imported keys, and every refusal with a reason.</summary>
public sealed class DkimKeysTests
{
    private const string Domain = "example.com";

    [Fact]
    public void Create_RsaWithoutKeyBits_2048BitKeyAndRsaRecord()
    {
        var (key, error) = DkimKeys.Create(Domain, new DkimKeyRequest("EmailAI1", null, null, null));
        Assert.Null(error);
        Assert.Equal("emailai1", key!.Selector);
        Assert.Equal(DkimAlgorithms.RsaSha256, key.Algorithm);
        Assert.Equal(2048, key.KeyBits);
        Assert.StartsWith("v=DKIM1; k=rsa; p=", key.DnsRecord);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key.DnsRecord["v=DKIM1; k=rsa; p=".Length..]), out _);
        Assert.Equal(2048, rsa.KeySize);
    }

    [Fact]
    public void Create_Ed25519_RawPublicKeyInRecord()
    {
        var (key, error) = DkimKeys.Create(Domain, new DkimKeyRequest("ed", "ed25519-sha256", null, null));
        Assert.Null(error);
        Assert.StartsWith("v=DKIM1; k=ed25519; p=", key!.DnsRecord);
        Assert.Equal(32, Convert.FromBase64String(key.DnsRecord["v=DKIM1; k=ed25519; p=".Length..]).Length);
    }

    [Fact]
    public void Create_ImportPkcs1AndPkcs8OfOneRsaKey_SameStoredKeyAndRecord()
    {
        using var rsa = RSA.Create(1024);
        var pkcs1 = DkimKeys.Create(Domain, new DkimKeyRequest("s1", null, null, rsa.ExportRSAPrivateKeyPem())).Key!;
        var pkcs8 = DkimKeys.Create(Domain, new DkimKeyRequest("s1", "rsa-sha256", 1024, rsa.ExportPkcs8PrivateKeyPem())).Key!;
        Assert.Equal(pkcs1.Pkcs8Pem, pkcs8.Pkcs8Pem);
        Assert.Equal(pkcs1.DnsRecord, pkcs8.DnsRecord);
        Assert.Equal(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), pkcs1.DnsRecord.Split("p=")[1]);
    }

    [Fact]
    public void Create_ImportPkcs8Ed25519_AlgorithmFollowsTheKey()
    {
        var ed = new Ed25519PrivateKeyParameters(new SecureRandom());
        var pem = PemEncoding.WriteString("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(ed).GetEncoded());
        var (key, error) = DkimKeys.Create(Domain, new DkimKeyRequest("s1", null, null, "some text before\n" + pem + "\n"));
        Assert.Null(error);
        Assert.Equal(DkimAlgorithms.Ed25519Sha256, key!.Algorithm);
        Assert.Equal(Convert.ToBase64String(ed.GeneratePublicKey().GetEncoded()), key.DnsRecord.Split("p=")[1]);
    }

    public static TheoryData<string?, string?, int?, string?, string> Refused()
    {
        using var small = RSA.Create(512);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(1024);
        return new()
        {
            { null, null, null, null, "selector" },
            { "-bad", null, null, null, "selector" },
            { "a..b", null, null, null, "selector" },
            { "under_score", null, null, null, "selector" },
            { new string('a', 64), null, null, null, "selector" },
            { string.Join('.', Enumerable.Repeat(new string('a', 60), 4)), null, null, null, "too long" },
            { "s1", "rsa-sha1", null, null, "algorithm" },
            { "s1", null, 512, null, "keyBits" },
            { "s1", null, 8192, null, "keyBits" },
            { "s1", "ed25519-sha256", 2048, null, "keyBits" },
            { "s1", null, null, "not a key", "no 'RSA PRIVATE KEY'" },
            { "s1", null, null, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a readable" },
            { "s1", null, null, rsa.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)), "encrypted" },
            { "s1", null, null, ec.ExportPkcs8PrivateKeyPem(), "neither an RSA nor an Ed25519" },
            { "s1", null, null, small.ExportRSAPrivateKeyPem(), "512-bit" },
            { "s1", "ed25519-sha256", null, rsa.ExportPkcs8PrivateKeyPem(), "not ed25519-sha256" },
            { "s1", null, 2048, rsa.ExportPkcs8PrivateKeyPem(), "contradicts" },
        };
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Create_InvalidRequest_RefusedWithReason(string? selector, string? algorithm, int? keyBits, string? pem, string reason)
    {
        var (key, error) = DkimKeys.Create(Domain, new DkimKeyRequest(selector, algorithm, keyBits, pem));
        Assert.Null(key);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
