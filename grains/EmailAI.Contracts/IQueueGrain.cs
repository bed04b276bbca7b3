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
