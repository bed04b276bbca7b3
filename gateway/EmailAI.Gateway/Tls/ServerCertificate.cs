using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailAI.Gateway.Tls;

/// <summary>
/// One certificate as the listeners present it: the leaf with its private key, and the context SslStream sends
/// the chain from. Immutable: a reload makes a new one, and a session keeps the one its handshake used.
/// </summary>
/// <param name="Certificate">The leaf certificate with its private key.</param>
/// <param name="Context">The leaf and its intermediates, built once (SslStream reuses it for every handshake).</param>
/// <param name="Source">The certificate file it came from, for log lines.</param>
/// <param name="SelfSigned">True for the certificate generated under the data directory.</param>
public sealed record ServerCertificate(X509Certificate2 Certificate, System.Net.Security.SslStreamCertificateContext Context, string Source, bool SelfSigned)
{
    /// <summary>SHA-256 of the DER certificate, as <c>openssl x509 -fingerprint -sha256</c> prints it (AB:CD:…).</summary>
    public string Sha256Fingerprint => Convert.ToHexString(Certificate.GetCertHash(HashAlgorithmName.SHA256)).Chunk(2).Aggregate(
        new System.Text.StringBuilder(), (b, pair) => (b.Length > 0 ? b.Append(':') : b).Append(pair)).ToString();
}
