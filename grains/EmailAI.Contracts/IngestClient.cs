using System.Net;

namespace EmailAI.Contracts;

/// <summary>
/// Who handed a message over, for the checks ingest runs once per message (SPF, DKIM, DMARC) and for the white
/// list's learning rule: the client's address, the HELO/EHLO name it gave, and the account it authenticated as
/// (SMTP AUTH), or null. Mail made by this server itself (DSNs) has no client.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IngestClient(IPAddress Address, string? HeloName, string? AuthenticatedIdentity)
{
    public bool Authenticated => AuthenticatedIdentity is not null;
}
