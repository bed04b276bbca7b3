using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// A recipient policy with a fixed directory: configured addresses are accepted with their destination
/// token, other addresses at a local domain get 550 5.1.1, everything else is relaying (554 5.7.1).
/// The bare <c>&lt;postmaster&gt;</c> is accepted. Can be told to throw or to answer 4xx for the next calls.
/// </summary>
public sealed class FakeRecipientPolicy : IRecipientPolicy
{
    public const string LocalDomain = "example.com";
    public const string PostmasterDestination = "mbx-postmaster";

    public static readonly SmtpReply TemporaryReply = new(450, "4.2.1", "Mailbox temporarily unavailable");

    private readonly Dictionary<string, string> _mailboxes = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _localDomains = new(StringComparer.OrdinalIgnoreCase) { LocalDomain };
    private readonly List<(SmtpSessionInfo Session, SmtpPath Sender, SmtpPath Recipient)> _calls = [];

    public FakeRecipientPolicy()
    {
        AddMailbox("alice@example.com", "mbx-alice");
        AddMailbox("bob@example.com", "mbx-bob");
    }

    /// <summary>The trace each call ran under (null: none), in order.</summary>
    public List<string?> TraceIds { get; } = [];

    /// <summary>Every call, in order, including the ones that threw.</summary>
    public IReadOnlyList<(SmtpSessionInfo Session, SmtpPath Sender, SmtpPath Recipient)> Calls => _calls;

    /// <summary>How many of the next calls throw.</summary>
    public int ThrowOnNext { get; set; }

    /// <summary>How many of the next calls answer <see cref="TemporaryReply"/>.</summary>
    public int TemporaryFailureOnNext { get; set; }

    /// <summary>
    /// When set, every session that did not authenticate is refused with this reply as a refusal of the whole
    /// session (<see cref="RecipientVerdict.RefusesSession"/>, as IP location blocking answers).
    /// </summary>
    public SmtpReply? RefuseSessionWith { get; set; }

    public void AddMailbox(string address, string destination) => _mailboxes[address] = destination;

    public ValueTask<RecipientVerdict> CheckRecipientAsync(SmtpSessionInfo session, SmtpPath sender, SmtpPath recipient, CancellationToken cancellationToken)
    {
        _calls.Add((session, sender, recipient));
        TraceIds.Add(System.Diagnostics.Activity.Current?.TraceId.ToString());
        if (ThrowOnNext > 0)
        {
            ThrowOnNext--;
            throw new InvalidOperationException("directory unavailable");
        }

        if (TemporaryFailureOnNext > 0)
        {
            TemporaryFailureOnNext--;
            return ValueTask.FromResult(RecipientVerdict.Refuse(TemporaryReply));
        }

        if (RefuseSessionWith is { } refusal && !session.Authenticated)
        {
            return ValueTask.FromResult(RecipientVerdict.Refuse(refusal, "blocked by location") with { RefusesSession = true });
        }

        if (recipient.IsBarePostmaster)
        {
            return ValueTask.FromResult(RecipientVerdict.Accept(new FakeRoute(PostmasterDestination)));
        }

        var mailbox = recipient.Mailbox ?? throw new InvalidOperationException("RCPT with the null path reached the policy");
        if (_mailboxes.TryGetValue(mailbox.ToString(), out var destination))
        {
            return ValueTask.FromResult(RecipientVerdict.Accept(new FakeRoute(destination)));
        }

        var local = _localDomains.Contains(mailbox.Domain);
        return ValueTask.FromResult(RecipientVerdict.Refuse(local ? SmtpReplies.UnknownUser : SmtpReplies.RelayDenied) with
        {
            Reason = local ? "no such account" : $"relay not permitted for [{session.RemoteAddress}]",
        });
    }
}
