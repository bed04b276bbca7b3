using EmailAI.Protocols.Smtp;

namespace EmailAI.Gateway;

/// <summary>
/// Which listener a connection came in on, set as a connection feature by <see cref="GatewayHosting"/> before the
/// protocol's handler runs: one handler type serves 25, 587 and 465 (or 110 and 995) and builds its session from
/// this.
/// </summary>
/// <param name="Name">The listener's configuration section (Smtp, Submission, Submissions, Pop3, Pop3s), for logs.</param>
/// <param name="ImplicitTls">True on 465 and 995 (RFC 8314 §3.3): the TLS handshake comes before the greeting.</param>
/// <param name="Smtp">What an SMTP session on this listener requires.</param>
public sealed record ListenerEndpoint(string Name, bool ImplicitTls, SmtpEndpoint Smtp)
{
    /// <summary>A connection with no feature set: port 25 or 110, STARTTLS/STLS offered.</summary>
    public static readonly ListenerEndpoint Plain = new("Smtp", ImplicitTls: false, SmtpEndpoint.Mta);
}
