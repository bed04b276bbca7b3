using EmailAI.Protocols.Auth;
using EmailAI.Protocols.Common;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// How a session is set up by its listener, beyond the options every SMTP session shares.
/// </summary>
/// <param name="Endpoint">The listener the client connected to.</param>
/// <param name="TlsAvailable">True when the node has a certificate, so STARTTLS can be offered.</param>
/// <param name="ImplicitTls">The handshake's result on an implicit-TLS listener (465): the session starts under TLS.</param>
/// <param name="Credentials">Checks AUTH credentials; null offers no AUTH.</param>
/// <param name="Senders">Decides the envelope sender of an authenticated session; null accepts any.</param>
/// <param name="Location">The client's country, looked up once for the connection; null when the node has no location database.</param>
/// <param name="Standing">The client group's recent errors in other sessions, for the error tarpit; null counts this session's only.</param>
/// <param name="Storage">Whether the store is short of space (MAIL then gets 452 4.3.1); null never is.</param>
public sealed record SmtpSessionContext(
    SmtpEndpoint Endpoint,
    bool TlsAvailable,
    TlsSessionInfo? ImplicitTls = null,
    ICredentialVerifier? Credentials = null,
    ISenderPolicy? Senders = null,
    ClientLocation? Location = null,
    IClientStanding? Standing = null,
    IStorageSpace? Storage = null)
{
    /// <summary>Port 25 without TLS or AUTH: what a session got before issue 10 (most engine tests).</summary>
    public static readonly SmtpSessionContext Plain = new(SmtpEndpoint.Mta, TlsAvailable: false);

    /// <summary>True on the submission listeners, where AUTH is required before MAIL (530 5.7.0).</summary>
    public bool RequiresAuth => Endpoint is SmtpEndpoint.Submission or SmtpEndpoint.Submissions;
}
