namespace EmailAI.Contracts;

/// <summary>
/// The outbound queue as the admin API sees it: rows listed by id, retried now, or deleted. A stateless worker
/// in front of the store; delivery itself is the <see cref="IDeliveryGrain"/>s'.
/// </summary>
public interface IQueueGrain : IGrainWithIntegerKey
{
    /// <summary>Rows with an id greater than <paramref name="afterId"/>, by id, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<QueuedRecipient>> ListAsync(long afterId, int limit);

    Task<QueuedRecipient?> GetAsync(long id);

    /// <summary>The rows of the message with this queue id (as the 250 reply and the log show it), by id, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<QueuedRecipient>> FindAsync(string queueId, int limit);

    /// <summary>Makes the row due now and wakes its destination. False if there is no such row.</summary>
    Task<bool> RetryNowAsync(long id);

    /// <summary>Removes the row: that recipient is not delivered and not bounced. False if there is no such row.</summary>
    Task<bool> DeleteAsync(long id);
}

/// <summary>
/// A queue row: one recipient of one outbound message, with its delivery history. <paramref name="QueueId"/>,
/// <paramref name="Sender"/>, <paramref name="ReceivedAt"/> and <paramref name="Size"/> (octets) come from the
/// message's content row, which <paramref name="MessageId"/> names for the store's ReadOutboundAsync.
/// Ids are never reused, even after the row with the highest one is removed.
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
    bool DelayWarned);
