using System.Net;

namespace EmailAI.Contracts;

/// <summary>
/// Whether a client address is on the Authorised IP list, asked by a gateway that is about to refuse it under a
/// per-client connection limit (authorised clients are exempt, as Postfix exempts $mynetworks).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AuthorisedClientRequest(IPAddress ClientAddress);
