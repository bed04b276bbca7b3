using EmailAI.Contracts;
using EmailAI.Storage;
using Orleans.Concurrency;

namespace EmailAI.Grains.Delivery;

/// <summary>The admin view of the outbound queue; see <see cref="IQueueGrain"/>.</summary>
[StatelessWorker]
public sealed class QueueGrain(IMessageStore store, TimeProvider time) : Grain, IQueueGrain
{
    /// <summary>Rows a bulk action reads and changes per store call.</summary>
    internal const int ActionPage = 1000;

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

    public Task<IReadOnlyList<QueuedRecipient>> SearchAsync(QueueFilter filter, int limit) => store.SearchQueueAsync(filter, limit);

    public async Task<IReadOnlyList<QueueDestination>> ListDestinationsAsync(string? after, int limit)
    {
        var destinations = await store.ListQueueDestinationsAsync(time.GetUtcNow(), after, limit);
        var activity = await Task.WhenAll(destinations.Select(d => GrainFactory.GetGrain<IDeliveryGrain>(d.Destination).GetActivityAsync()));
        return [.. destinations.Select((d, i) => d with { Connections = activity[i].Connections })];
    }

    public Task<byte[]?> ReadContentAsync(long messageId) => store.ReadOutboundAsync(messageId);

    public Task<IReadOnlyList<QueueAttempt>> ListAttemptsAsync(IReadOnlyList<long> ids) => store.ListAttemptsAsync(ids);

    public async Task<QueueActionResult> ActAsync(QueueAction action, QueueFilter filter)
    {
        var now = time.GetUtcNow();
        var page = filter with { Now = now, AfterId = 0 };
        var total = new QueueActionResult(0, 0, 0);
        var wake = new HashSet<string>(StringComparer.Ordinal);
        while (await store.SearchQueueAsync(page, ActionPage) is { Count: > 0 } rows)
        {
            var done = await ApplyAsync(action, rows, now, wake);
            total = new QueueActionResult(total.Matched + done.Matched, total.Changed + done.Changed, total.InFlight + done.InFlight);
            page = page with { AfterId = rows[^1].Id };
        }

        await WakeAsync(wake);
        return total;
    }

    public async Task<QueueActionResult> ActOnRowAsync(QueueAction action, long id)
    {
        if (await store.GetQueuedAsync(id) is not { } row)
        {
            return new QueueActionResult(0, 0, 0);
        }

        var wake = new HashSet<string>(StringComparer.Ordinal);
        var result = await ApplyAsync(action, [row], time.GetUtcNow(), wake);
        await WakeAsync(wake);
        return result;
    }

    /// <summary>One page of an action; collects the destinations that have mail due because of it.</summary>
    private async Task<QueueActionResult> ApplyAsync(QueueAction action, IReadOnlyList<QueuedRecipient> rows, DateTimeOffset now, HashSet<string> wake)
    {
        var changed = 0;
        switch (action)
        {
            case QueueAction.Retry:
                var due = rows.Where(r => !r.Held).ToList();
                changed = await store.RescheduleAsync([.. due.Select(r => r.Id)], now);
                wake.UnionWith(due.Select(r => r.Destination));
                break;
            case QueueAction.Hold:
                changed = await store.SetHeldAsync([.. rows.Select(r => r.Id)], held: true, now);
                break;
            case QueueAction.Release:
                changed = await store.SetHeldAsync([.. rows.Select(r => r.Id)], held: false, now);
                wake.UnionWith(rows.Where(r => r.Held).Select(r => r.Destination));
                break;
            case QueueAction.Delete:
                changed = await store.CompleteAsync([.. rows.Select(r => r.Id)]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "unknown queue action");
        }

        return new QueueActionResult(rows.Count, changed, rows.Count(r => r.ClaimedUntil > now));
    }

    private async Task WakeAsync(IEnumerable<string> destinations)
    {
        foreach (var destination in destinations)
        {
            await GrainFactory.GetGrain<IDeliveryGrain>(destination).WakeAsync();
        }
    }
}
