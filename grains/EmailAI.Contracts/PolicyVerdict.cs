using EmailAI.Protocols.Smtp;

namespace EmailAI.Contracts;

/// <summary>
/// A decision of the silo's session policy: the outcome, the reply the client gets (<see cref="Code"/>,
/// <see cref="EnhancedCode"/> (RFC 3463) and the deliberately generic public <see cref="Text"/>), a separate
/// <see cref="Reason"/> for the log that the client never sees, and, for an accepted recipient, its
/// <see cref="Route"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PolicyVerdict(PolicyOutcome Outcome, int Code, string EnhancedCode, string Text, string Reason, RecipientRoute? Route)
{
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
