using System.Net;
using EmailAI.Protocols.Common;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// The facts of a session that a policy decides from: where the client connects from, how it introduced
/// itself, whether the connection is encrypted and who (if anyone) authenticated (SMTP AUTH, RFC 4954: the
/// account the credential verifier named, never what the client typed).
/// </summary>
public sealed record SmtpSessionInfo(string SessionId, IPAddress RemoteAddress, string? HeloName)
{
    /// <summary>True once the connection is protected by TLS (STARTTLS or an implicit-TLS listener).</summary>
    public bool Tls { get; init; }

    /// <summary>The identity the client authenticated as (SMTP AUTH), or null.</summary>
    public string? AuthenticatedIdentity { get; init; }

    /// <summary>Where the client connects from (its country), or null when the node has no location database.</summary>
    public ClientLocation? Location { get; init; }

    /// <summary>
    /// The message size the client declared with MAIL's SIZE parameter (RFC 1870 §4) for the transaction in
    /// progress, or null when it declared none; what a recipient's quota is checked against at RCPT time.
    /// </summary>
    public long? DeclaredSize { get; init; }

    public bool Authenticated => AuthenticatedIdentity is not null;
}
