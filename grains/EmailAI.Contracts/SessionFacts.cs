using System.Net;

namespace EmailAI.Contracts;

/// <summary>
/// What the silo's policy knows of an SMTP session when it decides: the client's address, its HELO name,
/// whether the connection is under TLS, who authenticated (null until SMTP AUTH exists), the client's
/// country (ISO 3166-1 alpha-2, null when unknown or not looked up) and the name this server greets with.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SessionFacts(
    IPAddress ClientAddress,
    string? HeloName,
    bool Tls,
    string? AuthenticatedIdentity,
    string? Country,
    string ServerDomain)
{
    public bool Authenticated => AuthenticatedIdentity is not null;
}
