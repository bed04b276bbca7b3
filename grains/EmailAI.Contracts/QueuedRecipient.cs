namespace EmailAI.Contracts;

/// <summary>
/// A queue row: one recipient of one outbound message, with its delivery history. <paramref name="QueueId"/>,
/// <paramref name="Sender"/>, <paramref name="ReceivedAt"/> and <paramref name="Size"/> (octets) come from the
/// message's content row, which <paramref name="MessageId"/> names for the store's ReadOutboundAsync.
/// Ids are never reused, even after the row with the highest one is removed. <paramref name="Held"/>: an admin put the
/// row on hold, so it is never attempted until released. <paramref name="LastErrorAt"/>: when <paramref name="LastError"/>
/// came (null for a row deferred before that was recorded). <paramref name="ClaimedUntil"/>: the end of the claim of
/// the delivery that is sending it, when one holds it. <paramref name="TraceParent"/>: the W3C traceparent of the work that
/// queued the message (the SMTP transaction, or the attempt that produced a notice), so its delivery attempts join that trace.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QueuedRecipient(
    long Id,
    long MessageId,
    string QueueId,
    string Sender,
    string Recipient,
    string Destination,
    DateTimeOffset ReceivedAt,
    long Size,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    string? LastError,
    bool DelayWarned,
    bool Held = false,
    DateTimeOffset? LastErrorAt = null,
    DateTimeOffset? ClaimedUntil = null,
    string? TraceParent = null)
{
    /// <summary>What the row is doing at <paramref name="now"/>: held, being sent, waiting after a failed attempt, or waiting for its first.</summary>
    public QueueRowState StateAt(DateTimeOffset now) =>
        Held ? QueueRowState.Held
        : ClaimedUntil > now ? QueueRowState.Sending
        : Attempts > 0 ? QueueRowState.Deferred
        : QueueRowState.Queued;
}
