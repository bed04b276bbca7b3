using System.Net;

namespace EmailAI.Protocols.Pop3;

/// <summary>What the client presented: a password (USER/PASS, AUTH PLAIN) or an APOP digest over the greeting's timestamp.</summary>
public sealed record Pop3Credentials(string User, string? Password, string? ApopTimestamp, string? ApopDigest, IPAddress RemoteAddress);
