using System.Net;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// One refusal, with every fact of the session known at the time: who the client is, what it said, the reply
/// it got and, separately, why (<see cref="Reason"/>, never sent to the client). Null members were not known.
/// </summary>
public sealed record SmtpRejection(IPAddress RemoteAddress, string Command, SmtpReply Reply)
{
    /// <summary>The name the client gave in HELO/EHLO.</summary>
    public string? HeloName { get; init; }

    /// <summary>"ESMTP" after EHLO, "SMTP" otherwise (Postfix's proto=).</summary>
    public string Protocol { get; init; } = "SMTP";

    /// <summary>The reverse-path of the transaction in progress, in angle brackets.</summary>
    public string? Sender { get; init; }

    /// <summary>The forward-path a refused RCPT named, as parsed (or as written when it did not parse).</summary>
    public string? Recipient { get; init; }

    /// <summary>The queue id of the message refused at its final dot; null before DATA (Postfix's NOQUEUE).</summary>
    public string? QueueId { get; init; }

    /// <summary>Why, for the log: the policy's reason, the limit that was reached, the defect in the message.</summary>
    public string? Reason { get; init; }

    /// <summary>
    /// The client's errors had passed <see cref="SmtpOptions.SoftErrorLimit"/> and the reply does not end the session:
    /// the log counts this refusal (by reply code) instead of writing a line for it, and says how many at disconnect.
    /// </summary>
    public bool Aggregated { get; init; }
}
