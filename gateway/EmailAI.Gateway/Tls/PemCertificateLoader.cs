using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailAI.Gateway.Tls;

/// <summary>
/// Reads a PEM certificate chain and its key into a <see cref="ServerCertificate"/>, or says which file is wrong
/// and why: unreadable, not PEM, a key that does not belong to the certificate, expired or not yet valid.
/// Reads each file once, so a file replaced during the read gives one consistent (if wrong) view.
/// </summary>
public static class PemCertificateLoader
{
    /// <summary>
    /// Loads the pair. On Linux the key that <see cref="X509Certificate2.CreateFromPem(ReadOnlySpan{char}, ReadOnlySpan{char})"/>
    /// attaches is re-exported through PKCS#12 so the certificate owns a persisted key handle (SslStream on other
    /// platforms cannot use an ephemeral one; the round trip costs a few milliseconds per reload).
    /// </summary>
    /// <returns>False with the file at fault and a reason fit for a log line.</returns>
    public static bool TryLoad(string certificatePath, string keyPath, DateTimeOffset now, out ServerCertificate? certificate, out string file, out string reason)
    {
        certificate = null;
        file = certificatePath;
        string certificateText;
        string keyText;
        try
        {
            certificateText = File.ReadAllText(certificatePath);
            file = keyPath;
            keyText = File.ReadAllText(keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            reason = "unreadable: " + ex.Message;
            return false;
        }

        file = certificatePath;
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(certificateText);
        }
        catch (CryptographicException ex)
        {
            reason = "not a PEM certificate: " + ex.Message;
            return false;
        }

        if (chain.Count == 0)
        {
            reason = "no CERTIFICATE block";
            return false;
        }

        X509Certificate2 leaf;
        try
        {
            using var ephemeral = X509Certificate2.CreateFromPem(certificateText, keyText);
            leaf = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            file = keyPath;
            reason = "the key cannot be used with the certificate " + certificatePath + " (not a PEM key, or a key that does not match it): " + ex.Message;
            return false;
        }

        if (leaf.NotAfter.ToUniversalTime() <= now.UtcDateTime)
        {
            reason = $"expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z";
            leaf.Dispose();
            return false;
        }

        if (leaf.NotBefore.ToUniversalTime() > now.UtcDateTime)
        {
            reason = $"not valid before {leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z";
            leaf.Dispose();
            return false;
        }

        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        // offline: the chain is sent as configured; the server never fetches missing intermediates at handshake time.
        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        certificate = new ServerCertificate(leaf, context, certificatePath, SelfSigned: false);
        reason = "";
        return true;
    }
}
