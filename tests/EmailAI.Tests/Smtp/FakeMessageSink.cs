using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// Records every committed message (envelope and a copy of the content bytes) and answers
/// <see cref="SmtpReplies.MessageAccepted"/>. Can be told to throw or to refuse with 4xx for the next commits.
/// </summary>
public sealed class FakeMessageSink : IMessageSink
{
    public static readonly SmtpReply FailureReply = new(452, "4.3.1", "Insufficient system storage");

    private readonly List<(SmtpEnvelope Envelope, byte[] Content)> _deliveries = [];

    /// <summary>Messages committed successfully, in order.</summary>
    public IReadOnlyList<(SmtpEnvelope Envelope, byte[] Content)> Deliveries => _deliveries;

    /// <summary>Every call, including those that threw or failed.</summary>
    public int Attempts { get; private set; }

    /// <summary>The trace each commit ran under (null: none), in order.</summary>
    public List<string?> TraceIds { get; } = [];

    /// <summary>How many of the next commits throw.</summary>
    public int ThrowOnNext { get; set; }

    /// <summary>How many of the next commits answer <see cref="FailureReply"/>.</summary>
    public int FailOnNext { get; set; }

    public ValueTask<SmtpReply> CommitAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        TraceIds.Add(System.Diagnostics.Activity.Current?.TraceId.ToString());
        Attempts++;
        if (ThrowOnNext > 0)
        {
            ThrowOnNext--;
            throw new IOException("store unavailable");
        }

        if (FailOnNext > 0)
        {
            FailOnNext--;
            return ValueTask.FromResult(FailureReply);
        }

        _deliveries.Add((envelope, content.ToArray()));
        return ValueTask.FromResult(SmtpReplies.MessageAccepted(envelope.QueueId));
    }
}
