using EmailAI.Protocols.Common;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailAI.Gateway.Tls;

/// <summary>
/// The certificate used when none is configured: ECDSA P-256, subject and SAN dNSName the server domain, kept as
/// <c>tls/self-signed.crt</c> and <c>tls/self-signed.key</c> (mode 0600) under the data directory so a restart
/// presents the same one (a client that pinned it keeps working). It is made again when it has expired or names
/// another server domain. MTAs deliver over an untrusted certificate (opportunistic TLS, RFC 7435); mail clients
/// warn until a real certificate is configured.
/// </summary>
public static class SelfSignedCertificate
{
    public const string Folder = "tls";
    public const string CertificateFile = "self-signed.crt";
    public const string KeyFile = "self-signed.key";

    /// <summary>
    /// Returns the stored certificate if it is usable for <paramref name="serverDomain"/> at <paramref name="now"/>,
    /// else generates, stores and returns a new one. <paramref name="generated"/> says which happened.
    /// A data directory that cannot be written still gets a certificate, in memory only (logged by the caller).
    /// </summary>
    public static ServerCertificate Ensure(string dataDirectory, string serverDomain, TimeSpan validity, DateTimeOffset now, out bool generated, out string? storeError)
    {
        var folder = Path.Combine(dataDirectory, Folder);
        var certificatePath = Path.GetFullPath(Path.Combine(folder, CertificateFile));
        var keyPath = Path.GetFullPath(Path.Combine(folder, KeyFile));
        storeError = null;
        generated = false;
        if (File.Exists(certificatePath) && File.Exists(keyPath)
            && PemCertificateLoader.TryLoad(certificatePath, keyPath, now, out var stored, out _, out _)
            && Names(stored!.Certificate, serverDomain))
        {
            return stored with { SelfSigned = true };
        }

        generated = true;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + serverDomain), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(serverDomain);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        // An hour back: a client whose clock is a little behind still accepts it.
        using var made = request.CreateSelfSigned(now.AddHours(-1), now.Add(validity));
        try
        {
            PrivateFiles.CreateDirectory(folder);
            PrivateFiles.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
            File.WriteAllText(certificatePath, made.ExportCertificatePem() + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            storeError = ex.Message;
        }

        var leaf = X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
        var context = System.Net.Security.SslStreamCertificateContext.Create(leaf, [], offline: true);
        return new ServerCertificate(leaf, context, certificatePath, SelfSigned: true);
    }

    /// <summary>True when the certificate's SAN names exactly this domain (what a regenerated one would say).</summary>
    public static bool Names(X509Certificate2 certificate, string serverDomain)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return san is not null && san.EnumerateDnsNames().Any(n => string.Equals(n, serverDomain, StringComparison.OrdinalIgnoreCase));
    }
}
