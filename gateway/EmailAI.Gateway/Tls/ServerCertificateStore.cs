using System.Net.Security;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Tls;

/// <summary>
/// The certificate new TLS sessions get. Loaded at start from <see cref="TlsOptions.CertificatePath"/> and
/// <see cref="TlsOptions.KeyPath"/>, or generated (<see cref="SelfSignedCertificate"/>) when none is configured or
/// the configured pair is unusable at start. Every <see cref="TlsOptions.ReloadInterval"/> the files' write times
/// and sizes are compared (through <see cref="TimeProvider"/>): a change is loaded once the files have stayed the
/// same for one interval, so a certificate and key written one after the other are not read half-way. A pair that
/// does not load (unreadable, expired, not yet valid, key not matching) is logged once, naming the file and the
/// reason, and the previous certificate stays in use; it is tried again when the files change. Sessions already
/// running keep the certificate of their handshake: <see cref="Current"/> is swapped, never changed.
/// Thread-safe.
/// </summary>
public sealed class ServerCertificateStore : IDisposable
{
    private readonly TlsOptions _options;
    private readonly EmailAIOptions _node;
    private readonly TimeProvider _time;
    private readonly ILogger<ServerCertificateStore> _logger;
    private readonly ITimer _timer;
    private readonly Lock _poll = new();
    private ServerCertificate _current;

    // The files' stamps as last loaded or tried (a failed pair is not tried again until it changes), and as
    // seen by the previous poll (a change is loaded only once it is stable).
    private (FileStamp Certificate, FileStamp Key) _tried;
    private (FileStamp Certificate, FileStamp Key) _seen;

    public ServerCertificateStore(IOptions<TlsOptions> options, IOptions<EmailAIOptions> node, TimeProvider time, ILogger<ServerCertificateStore> logger)
    {
        _options = options.Value;
        _node = node.Value;
        _time = time;
        _logger = logger;
        if (Configured)
        {
            _tried = _seen = Stamps();
            if (PemCertificateLoader.TryLoad(_options.CertificatePath!, _options.KeyPath!, time.GetUtcNow(), out var loaded, out var file, out var reason))
            {
                _current = loaded!;
                LogLoaded(_current);
            }
            else
            {
                _logger.LogWarning("TLS certificate file {File} not used: {Reason}; using a self-signed certificate until it is fixed", file, reason);
                _current = SelfSigned();
            }
        }
        else
        {
            _current = SelfSigned();
        }

        _timer = time.CreateTimer(_ => Poll(), null, _options.ReloadInterval, _options.ReloadInterval);
    }

    /// <summary>The certificate a handshake starting now presents.</summary>
    public ServerCertificate Current => Volatile.Read(ref _current);

    private bool Configured => !string.IsNullOrWhiteSpace(_options.CertificatePath) && !string.IsNullOrWhiteSpace(_options.KeyPath);

    /// <summary>
    /// Options for one handshake, built from <see cref="Current"/>: TLS 1.2 and 1.3 (or 1.3 only), the .NET
    /// default cipher suites, no client certificate asked for (mail clients authenticate with AUTH/USER).
    /// </summary>
    public SslServerAuthenticationOptions CreateServerOptions() => new()
    {
        ServerCertificateContext = Current.Context,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        EnabledSslProtocols = _options.MinimumVersion == TlsMinimumVersion.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13,
    };

    /// <summary>One check of the files (the timer calls it); public so a test with a fake clock can drive it.</summary>
    public void Poll()
    {
        if (!_poll.TryEnter())
        {
            return;
        }

        try
        {
            var now = _time.GetUtcNow();
            if (!Configured)
            {
                var current = Current;
                if (current.SelfSigned && current.Certificate.NotAfter.ToUniversalTime() <= now.UtcDateTime)
                {
                    Volatile.Write(ref _current, SelfSigned());
                }

                return;
            }

            var stamps = Stamps();
            var stable = stamps == _seen;
            _seen = stamps;
            if (!stable || stamps == _tried)
            {
                return;
            }

            _tried = stamps;
            if (PemCertificateLoader.TryLoad(_options.CertificatePath!, _options.KeyPath!, now, out var loaded, out var file, out var reason))
            {
                Volatile.Write(ref _current, loaded!);
                LogLoaded(loaded!);
            }
            else
            {
                _logger.LogWarning("TLS certificate file {File} not loaded: {Reason}; still using {Previous} (SHA-256 {Fingerprint})", file, reason, Current.Source, Current.Sha256Fingerprint);
            }
        }
        catch (Exception ex)
        {
            // A timer callback: whatever a reload runs into must not end the process; the current certificate stays.
            _logger.LogWarning(ex, "TLS certificate reload failed; still using {Previous}", Current.Source);
        }
        finally
        {
            _poll.Exit();
        }
    }

    private (FileStamp, FileStamp) Stamps() => (FileStamp.Of(_options.CertificatePath!), FileStamp.Of(_options.KeyPath!));

    private ServerCertificate SelfSigned()
    {
        var certificate = SelfSignedCertificate.Ensure(_node.DataDirectory, _node.ServerDomain, _options.SelfSignedValidity, _time.GetUtcNow(), out var generated, out var storeError);
        if (storeError is not null)
        {
            _logger.LogWarning("The self-signed TLS certificate could not be saved under {DataDirectory} ({Error}); it lasts until this process stops", _node.DataDirectory, storeError);
        }

        _logger.LogInformation(
            "TLS: {Action} self-signed certificate {Path} for {ServerDomain}, valid until {NotAfter:yyyy-MM-dd}, SHA-256 {Fingerprint}",
            generated ? "generated" : "using the",
            certificate.Source,
            _node.ServerDomain,
            certificate.Certificate.NotAfter.ToUniversalTime(),
            certificate.Sha256Fingerprint);
        if (string.Equals(_node.Storage.Provider, StorageOptions.PostgreSql, StringComparison.OrdinalIgnoreCase))
        {
            // Every gateway of a cluster makes its own, so a client sees a different untrusted certificate per node.
            _logger.LogWarning(
                "TLS: no certificate configured on this cluster node; clients will not trust the self-signed certificate. Set EmailAI:Tls:CertificatePath and EmailAI:Tls:KeyPath to the same certificate on every gateway");
        }

        return certificate;
    }

    private void LogLoaded(ServerCertificate certificate) =>
        _logger.LogInformation(
            "TLS: certificate {Path} loaded: {Subject}, valid until {NotAfter:yyyy-MM-dd}, SHA-256 {Fingerprint}",
            certificate.Source,
            certificate.Certificate.Subject,
            certificate.Certificate.NotAfter.ToUniversalTime(),
            certificate.Sha256Fingerprint);

    public void Dispose() => _timer.Dispose();
}
