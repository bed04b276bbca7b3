using System.Net;

namespace EmailAI.Protocols.Pop3;

/// <summary>
/// What the client presented: a password (USER/PASS, AUTH PLAIN) or an APOP digest over the greeting's timestamp.
/// The session fills <see cref="Mechanism"/> (as it logs it: "USER", "AUTH PLAIN", "APOP") and its
/// <see cref="SessionId"/>, so the backend's login log and metrics name them.
/// </summary>
public sealed record Pop3Credentials(string User, string? Password, string? ApopTimestamp, string? ApopDigest, IPAddress RemoteAddress)
{
    public string Mechanism { get; init; } = "USER";

    public string SessionId { get; init; } = "";
}
