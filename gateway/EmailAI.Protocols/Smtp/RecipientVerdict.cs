namespace EmailAI.Protocols.Smtp;

/// <summary>
/// The answer to one RCPT: the reply to send and, when accepted, the <see cref="Route"/> the policy chose.
/// A refusal carries a 5xx (permanent) or 4xx (try later) reply. <see cref="Reason"/> says why, for the log
/// only: the client sees the reply's deliberately generic text.
/// </summary>
public sealed record RecipientVerdict(SmtpReply Reply, IRecipientRoute? Route)
{
    public bool Accepted => Reply.IsPositive;

    /// <summary>
    /// Why the policy decided so, for the log only (never sent to the client): "relay not permitted for
    /// [203.0.113.9]", "no such account", "domain lookup failed". Null when there is nothing to add.
    /// </summary>
    public string? Reason { get; init; }

    /// <summary>
    /// True when the refusal is of the session rather than of this recipient (IP location blocking): the session
    /// answers every later MAIL and RCPT with the same reply, without asking again, until the client authenticates.
    /// </summary>
    public bool RefusesSession { get; init; }

    public static RecipientVerdict Accept(IRecipientRoute route) => new(SmtpReplies.RecipientOk, route);

    public static RecipientVerdict Refuse(SmtpReply reply, string? reason = null) =>
        reply.IsPositive ? throw new ArgumentException("A refusal needs a 4xx or 5xx reply.", nameof(reply)) : new(reply, null) { Reason = reason };
}
