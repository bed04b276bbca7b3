using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailAI.Tests.Tls;

/// <summary>Writes PEM certificate and key files as an admin would get them from a CA or certbot.</summary>
public static class TestCertificates
{
    /// <summary>
    /// Writes a self-signed certificate for <paramref name="name"/> (ECDSA P-256, or RSA 2048) valid from
    /// <paramref name="notBefore"/> to <paramref name="notAfter"/> to the two paths; returns its SHA-256 thumbprint.
    /// </summary>
    public static string Write(string certificatePath, string keyPath, string name, DateTimeOffset notBefore, DateTimeOffset notAfter, bool rsa = false)
    {
        using var certificate = Create(name, notBefore, notAfter, rsa, out var keyPem);
        File.WriteAllText(keyPath, keyPem);
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        return Thumbprint(certificate);
    }

    /// <summary>A valid certificate for now, a day back and a year ahead.</summary>
    public static string Write(string certificatePath, string keyPath, string name, bool rsa = false) =>
        Write(certificatePath, keyPath, name, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(365), rsa);

    public static X509Certificate2 Create(string name, DateTimeOffset notBefore, DateTimeOffset notAfter, bool rsa, out string keyPem)
    {
        AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using (key)
        {
            var request = rsa
                ? new CertificateRequest("CN=" + name, (RSA)key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest("CN=" + name, (ECDsa)key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(name);
            request.CertificateExtensions.Add(san.Build());
            keyPem = key.ExportPkcs8PrivateKeyPem() + "\n";
            return request.CreateSelfSigned(notBefore, notAfter);
        }
    }

    public static string Thumbprint(X509Certificate certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
}
