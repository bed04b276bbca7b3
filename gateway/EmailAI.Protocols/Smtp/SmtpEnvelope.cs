using System.Net;

namespace EmailAI.Protocols.Smtp;

/// <summary>One completed mail transaction's envelope (RFC 5321 §2.3.1).</summary>
public sealed record SmtpEnvelope(
    string QueueId,
    SmtpPath Sender,
    IReadOnlyList<SmtpRecipient> Recipients,
    string? HeloName,
    IPAddress RemoteAddress,
    bool Utf8,
    DateTimeOffset ReceivedAt);
