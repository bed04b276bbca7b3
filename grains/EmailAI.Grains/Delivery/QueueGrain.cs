using EmailAI.Contracts;
using EmailAI.Storage;
using Orleans.Concurrency;

namespace EmailAI.Grains.Delivery;

/// <summary>The admin view of the outbound queue; see <see cref="IQueueGrain"/>.</summary>
[StatelessWorker]
public sealed class QueueGrain(IMessageStore store, TimeProvider time) : Grain, IQueueGrain
{
    public Task<IReadOnlyList<QueuedRecipient>> ListAsync(long afterId, int limit) => store.ListQueueAsync(afterId, limit);

    public Task<QueuedRecipient?> GetAsync(long id) => store.GetQueuedAsync(id);

    public Task<IReadOnlyList<QueuedRecipient>> FindAsync(string queueId, int limit) => store.ListByQueueIdAsync(queueId, limit);

    public async Task<bool> RetryNowAsync(long id)
    {
        var row = await store.GetQueuedAsync(id);
        if (row is null || await store.RescheduleAsync([id], time.GetUtcNow()) == 0)
        {
            return false;
        }

        await GrainFactory.GetGrain<IDeliveryGrain>(row.Destination).WakeAsync();
        return true;
    }

    public async Task<bool> DeleteAsync(long id) => await store.CompleteAsync([id]) > 0;
}
