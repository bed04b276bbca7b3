using System.Net;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// One completed mail transaction's envelope (RFC 5321 §2.3.1). <see cref="AuthenticatedIdentity"/> is the
/// account the session authenticated as (SMTP AUTH), for the log: it is never written into the message.
/// </summary>
public sealed record SmtpEnvelope(
    string QueueId,
    SmtpPath Sender,
    IReadOnlyList<SmtpRecipient> Recipients,
    string? HeloName,
    IPAddress RemoteAddress,
    bool Utf8,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The account of an authenticated session (Postfix's sasl_username), or null.</summary>
    public string? AuthenticatedIdentity { get; init; }
}
