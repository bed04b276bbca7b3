namespace EmailAI.Gateway.Tls;

/// <summary>
/// <c>EmailAI:Tls</c>: the certificate every listener presents (STARTTLS on 25 and 587, STLS on 110, implicit
/// TLS on 465 and 995) and the limits of the handshake. The key names are a public contract (DESIGN.md).
/// </summary>
public sealed class TlsOptions
{
    /// <summary>
    /// PEM file with the server certificate first, then its intermediates (the full chain clients need). Empty:
    /// a self-signed certificate for <c>EmailAI:ServerDomain</c> is generated under the data directory.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM file with the certificate's private key (RSA or ECDSA, PKCS#8 or the traditional forms).</summary>
    public string? KeyPath { get; set; }

    /// <summary>The oldest TLS version accepted; TLS 1.0 and 1.1 are never accepted (RFC 8996).</summary>
    public TlsMinimumVersion MinimumVersion { get; set; } = TlsMinimumVersion.Tls12;

    /// <summary>
    /// How long a client has to complete the handshake after STARTTLS/STLS or the connect on 465/995; then the
    /// connection is closed. A client that says STARTTLS and then nothing would otherwise hold a slot until the
    /// command timeout. 30 s is what Postfix allows for the whole TLS handshake (its smtpd_starttls_timeout is
    /// derived from smtpd_timeout, capped at 300 s; 30 s is ample for any real client).
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the certificate and key files are checked for changes (write time and size). A change is loaded
    /// once the files have stayed the same for one interval, so a pair written in two steps is not read half-way.
    /// </summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a generated self-signed certificate is valid; it is regenerated when it expires.</summary>
    public TimeSpan SelfSignedValidity { get; set; } = TimeSpan.FromDays(365);
}
