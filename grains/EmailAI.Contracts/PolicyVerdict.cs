using EmailAI.Protocols.Smtp;

namespace EmailAI.Contracts;

/// <summary>
/// A decision of the silo's session policy: the outcome, the reply the client gets (<see cref="Code"/>,
/// <see cref="EnhancedCode"/> (RFC 3463) and the deliberately generic public <see cref="Text"/>), a separate
/// <see cref="Reason"/> for the log that the client never sees, and, for an accepted recipient, its
/// <see cref="Route"/>. <see cref="BlockedBy"/> is set when IP location blocking refused the session: that refusal
/// holds for every later MAIL and RCPT of the session.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PolicyVerdict(PolicyOutcome Outcome, int Code, string EnhancedCode, string Text, string Reason, RecipientRoute? Route, LocationRule? BlockedBy = null)
{
    /// <summary>
    /// IP location blocking's refusal: <c>550 5.7.1</c> and the admin's message, which the sending server's bounce
    /// quotes to its user. The message is validated as one line of printable US-ASCII when it is stored (RFC 5321
    /// §4.2: reply text); anything else in it (a policy stored before that check) is replaced by '?' here.
    /// </summary>
    public static PolicyVerdict LocationBlocked(string message, LocationCheck check) =>
        new(PolicyOutcome.Reject, 550, "5.7.1", new string([.. message.Select(c => c is >= ' ' and <= '~' ? c : '?')]),
            "IP location blocking: " + check.Detail, null, check.Rule ?? throw new ArgumentException("The check blocks nothing.", nameof(check)));

    /// <summary>An accepted recipient with its route (250 2.1.5).</summary>
    public static PolicyVerdict Accept(RecipientRoute route, string reason) => From(SmtpReplies.RecipientOk, reason, route);

    /// <summary>An accepted envelope sender (250 2.1.0); it has no route.</summary>
    public static PolicyVerdict AcceptSender(string reason) => From(SmtpReplies.SenderOk, reason, null);

    /// <summary>A refusal with a catalogue reply: 4xx is a temporary failure, 5xx a rejection.</summary>
    public static PolicyVerdict Refuse(SmtpReply reply, string reason) =>
        reply.IsPositive ? throw new ArgumentException("A refusal needs a 4xx or 5xx reply.", nameof(reply)) : From(reply, reason, null);

    /// <summary>The SMTP reply the client gets.</summary>
    public SmtpReply ToReply() => new(Code, EnhancedCode, Text);

    private static PolicyVerdict From(SmtpReply reply, string reason, RecipientRoute? route) =>
        new(reply.IsPositive ? PolicyOutcome.Accept : reply.IsTransientFailure ? PolicyOutcome.TemporaryFailure : PolicyOutcome.Reject,
            reply.Code, reply.EnhancedCode ?? "", string.Join(" ", reply.Lines), reason, route);
}
