using System.Net;

namespace EmailAI.Protocols.Smtp;

/// <summary>What a policy may know about the client: where it connects from and how it introduced itself.</summary>
public sealed record SmtpSessionInfo(string SessionId, IPAddress RemoteAddress, string? HeloName, bool Authenticated);
