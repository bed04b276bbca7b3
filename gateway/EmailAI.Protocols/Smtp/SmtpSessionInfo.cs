using System.Net;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// The facts of a session that a policy decides from: where the client connects from, how it introduced
/// itself, whether the connection is encrypted and who (if anyone) authenticated. The session fills what it
/// knows; <see cref="Tls"/> and <see cref="AuthenticatedIdentity"/> stay false/null until TLS and AUTH exist.
/// </summary>
public sealed record SmtpSessionInfo(string SessionId, IPAddress RemoteAddress, string? HeloName)
{
    /// <summary>True once the connection is protected by TLS (STARTTLS or an implicit-TLS listener).</summary>
    public bool Tls { get; init; }

    /// <summary>The identity the client authenticated as (SMTP AUTH), or null.</summary>
    public string? AuthenticatedIdentity { get; init; }

    public bool Authenticated => AuthenticatedIdentity is not null;
}
