using System.Net;

namespace EmailAI.Contracts;

/// <summary>
/// What the silo's policy knows of an SMTP session when it decides: the client's address, its HELO name,
/// whether the connection is under TLS, who authenticated, the client's country and the name this server greets
/// with. The country is looked up once per connection by the gateway in its location database:
/// <see cref="Country"/> is the ISO 3166-1 alpha-2 code, or null; <see cref="CountryLookedUp"/> says whether a
/// database was consulted at all, so a null country is "unknown to the database" only when it is true (on a
/// node without a database the country rules do not apply).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SessionFacts(
    IPAddress ClientAddress,
    string? HeloName,
    bool Tls,
    string? AuthenticatedIdentity,
    string? Country,
    string ServerDomain,
    bool CountryLookedUp = false)
{
    public bool Authenticated => AuthenticatedIdentity is not null;
}
