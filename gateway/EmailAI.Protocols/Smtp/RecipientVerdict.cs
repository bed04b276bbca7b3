namespace EmailAI.Protocols.Smtp;

/// <summary>
/// The answer to one RCPT. When accepted, <see cref="Destination"/> is an opaque routing token the
/// policy chose (for example the mailbox key the address resolved to); the session hands it back to the
/// message sink unchanged, so a decision made at RCPT time is the one that delivers.
/// A refusal carries the reply to send: 5xx (permanent) or 4xx (try later).
/// </summary>
public sealed record RecipientVerdict(SmtpReply Reply, string? Destination)
{
    public bool Accepted => Reply.IsPositive;

    /// <summary>
    /// Why the policy decided so, for the log only (never sent to the client): "relay not permitted for
    /// [203.0.113.9]", "no such account", "domain lookup failed". Null when there is nothing to add.
    /// </summary>
    public string? Reason { get; init; }

    public static RecipientVerdict Accept(string destination) => new(SmtpReplies.RecipientOk, destination);

    public static RecipientVerdict Refuse(SmtpReply reply) =>
        reply.IsPositive ? throw new ArgumentException("A refusal needs a 4xx or 5xx reply.", nameof(reply)) : new(reply, null);
}
