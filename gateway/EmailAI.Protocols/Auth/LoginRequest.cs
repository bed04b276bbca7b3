using System.Net;

namespace EmailAI.Protocols.Auth;

/// <summary>Who is trying to log in, how, from where, on which protocol ("SMTP" or "POP3") and session.</summary>
public sealed record LoginRequest(string Protocol, LoginMechanism Mechanism, string User, IPAddress Client, string SessionId, bool Tls);
