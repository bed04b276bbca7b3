namespace EmailAI.Contracts;

/// <summary>
/// The outbound queue as the admin API sees it: rows listed by id or searched, summarised per destination, retried
/// now, held, released, or deleted. A stateless worker
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

    /// <summary>Rows meeting <paramref name="filter"/> with an id above its AfterId, by id, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<QueuedRecipient>> SearchAsync(QueueFilter filter, int limit);

    /// <summary>The queue per destination (ordinal order after <paramref name="after"/>, at most <paramref name="limit"/>), with each delivery's open connections.</summary>
    Task<IReadOnlyList<QueueDestination>> ListDestinationsAsync(string? after, int limit);

    /// <summary>The content of a queued message (<see cref="QueuedRecipient.MessageId"/>), or null when no row refers to it any more.</summary>
    Task<byte[]?> ReadContentAsync(long messageId);

    /// <summary>The failed attempts recorded for these rows, by row then time.</summary>
    Task<IReadOnlyList<QueueAttempt>> ListAttemptsAsync(IReadOnlyList<long> ids);

    /// <summary>
    /// Applies <paramref name="action"/> to every row meeting <paramref name="filter"/> (its AfterId and Now are
    /// ignored: the grain pages through from the first row at its own clock) and wakes the destinations that have mail
    /// due because of it.
    /// </summary>
    Task<QueueActionResult> ActAsync(QueueAction action, QueueFilter filter);

    /// <summary>Applies <paramref name="action"/> to one row; Matched is 0 when there is no such row.</summary>
    Task<QueueActionResult> ActOnRowAsync(QueueAction action, long id);
}
