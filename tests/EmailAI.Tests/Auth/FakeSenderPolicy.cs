using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Auth;

/// <summary>
/// The default <c>submissionSenders: own</c> rule: the envelope sender must be the authenticated account
/// (ignoring case), else 553 5.7.1. Records every call; can be told to throw for the next calls.
/// </summary>
public sealed class FakeSenderPolicy : ISenderPolicy
{
    public static readonly SmtpReply NotOwned = new(553, "5.7.1", "Sender address not owned by the authenticated user");

    public List<(SmtpSessionInfo Session, SmtpPath Sender)> Calls { get; } = [];

    public int ThrowOnNext { get; set; }

    public ValueTask<SenderVerdict> CheckSenderAsync(SmtpSessionInfo session, SmtpPath sender, CancellationToken cancellationToken)
    {
        Calls.Add((session, sender));
        if (ThrowOnNext > 0)
        {
            ThrowOnNext--;
            throw new InvalidOperationException("relay policy unavailable");
        }

        var own = sender.Mailbox is { } mailbox && string.Equals(mailbox.ToString(), session.AuthenticatedIdentity, StringComparison.OrdinalIgnoreCase);
        return ValueTask.FromResult(own
            ? new SenderVerdict(true, SmtpReplies.SenderOk)
            : new SenderVerdict(false, NotOwned, $"sender {sender} is not {session.AuthenticatedIdentity}"));
    }
}
