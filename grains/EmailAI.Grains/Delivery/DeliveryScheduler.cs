using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// Decides what one destination sends when, and over how many connections: loads due rows in batches (one
/// load at a time; wakes during a load merge into one more pass), keeps the connection budget
/// (<see cref="DeliveryOptions.MaxConnectionsPerDestination"/>, starting at
/// <see cref="DeliveryOptions.InitialConnectionsPerDestination"/> and growing by one with each connection that
/// delivers — slow start; a destination that cannot be reached drops back to one), runs each connection's
/// loop of jobs through the <see cref="DeliveryTransactionRunner"/>, and asks for a timer for the next due
/// row when idle. Not thread-safe: every member runs on the owning grain's scheduler (connection loops are
/// tasks started from grain turns), so the fields need no locks.
/// </summary>
internal sealed class DeliveryScheduler(
    string destination,
    IMessageStore store,
    DeliveryRouter router,
    DeliveryTransactionRunner runner,
    DeliveryOptions options,
    TimeProvider time,
    ILogger logger,
    Action<TimeSpan> schedule,
    Action<TimeSpan> keepAlive)
{
    /// <summary>How long rows whose results could not be recorded stay out of the queue's reach.</summary>
    private static readonly TimeSpan HeldAfterRecordFailure = TimeSpan.FromMinutes(1);

    /// <summary>Soonest timer while some due rows are held.</summary>
    private static readonly TimeSpan HeldRowsRecheck = TimeSpan.FromSeconds(5);

    private readonly Queue<DeliveryJob> _waiting = new();
    private readonly HashSet<long> _loaded = [];
    private int _connections;
    private int _limit = Math.Clamp(options.InitialConnectionsPerDestination, 1, Math.Max(1, options.MaxConnectionsPerDestination));
    private Task? _load;
    private bool _loadAgain;

    public DeliveryActivity Activity => new(_connections, _limit, _waiting.Count);

    /// <summary>Loads due rows not yet loaded, opens connections for them, and asks for the timer when there is nothing to do.</summary>
    public async Task LoadAndStartAsync()
    {
        await LoadAsync();
        StartConnections();
        await ScheduleWhenIdleAsync();
    }

    /// <summary>
    /// One load at a time. A wake that arrives during a load asks for one more pass after it, so a burst of
    /// wakes (one per accepted message) costs two reads, not one per message; every caller awaits the same load.
    /// </summary>
    private Task LoadAsync()
    {
        if (_load is not null)
        {
            _loadAgain = true;
            return _load;
        }

        return _load = LoadPassesAsync();
    }

    private async Task LoadPassesAsync()
    {
        try
        {
            do
            {
                _loadAgain = false;

                // Let wakes already queued for this activation run first and merge into this pass.
                await Task.Yield();
                if (_waiting.Count >= options.BatchSize)
                {
                    // Enough in hand; connections load again when it runs low.
                    break;
                }

                var rows = await store.ListDueAsync(destination, time.GetUtcNow(), options.BatchSize);
                foreach (var group in rows.Where(r => !_loaded.Contains(r.Id)).GroupBy(r => r.MessageId))
                {
                    var job = new DeliveryJob([.. group]);
                    foreach (var row in job.Rows)
                    {
                        _loaded.Add(row.Id);
                    }

                    _waiting.Enqueue(job);
                }
            }
            while (_loadAgain);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Loading the queue of {Destination} failed; trying again later", destination);
            schedule(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _load = null;
        }
    }

    private void StartConnections()
    {
        if (_waiting.Count > 0)
        {
            // Busy: stay activated while connections run (a new message or a timer extends it again).
            keepAlive(options.DataDoneTimeout + options.CommandTimeout * 4);
        }

        while (_connections < _limit && _connections < _waiting.Count)
        {
            _connections++;
            _ = RunConnectionAsync();
        }
    }

    /// <summary>One connection: resolve, connect (next host on failure), then send waiting jobs until none is left.</summary>
    private async Task RunConnectionAsync()
    {
        try
        {
            DeliveryRoute route;
            try
            {
                route = await router.ResolveAsync(destination, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // A grain or DNS call that threw: a temporary failure of this attempt like any other.
                logger.LogWarning(ex, "Route lookup for {Destination} failed", destination);
                route = DeliveryRoute.Fail(451, "4.4.3", $"route lookup for {destination} failed: {ex.GetType().Name}");
            }

            if (route.Failure is not null || route.Targets.Count == 0)
            {
                var failure = route.Failure ?? new SmtpReply(451, "4.4.3", $"no address for {destination}");
                logger.LogWarning("No route to {Destination}: {Reply}", destination, failure.ToString().TrimEnd());
                await FailAllWaitingAsync(failure);
                return;
            }

            var (client, error) = await runner.ConnectAsync(route);
            DeliveryMetrics.Connections.Add(1, new KeyValuePair<string, object?>("result", client is null ? "failed" : "opened"));
            if (client is null)
            {
                if (_connections > 1)
                {
                    // Other connections are delivering: the remote side wants fewer (421 "too many connections").
                    // Stay at what works; the waiting mail goes over those.
                    _limit = Math.Max(1, _connections - 1);
                    return;
                }

                _limit = 1;
                await FailAllWaitingAsync(error!);
                return;
            }

            DeliveryMetrics.OpenConnections.Add(1, new KeyValuePair<string, object?>("destination", destination));
            await using var opened = client;
            try
            {
                await SendWaitingAsync(client);
            }
            finally
            {
                DeliveryMetrics.OpenConnections.Add(-1, new KeyValuePair<string, object?>("destination", destination));
            }
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Delivery to {Destination} failed unexpectedly", destination);

            // Not at once again: a fault that repeats must not spin.
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        finally
        {
            _connections--;
            if (_waiting.Count > 0)
            {
                StartConnections();
            }
            else if (_connections == 0)
            {
                _ = LoadAndStartAsync();
            }
        }
    }

    /// <summary>Sends job after job on one open connection, then QUIT; returns early when the connection broke.</summary>
    private async Task SendWaitingAsync(SmtpDeliveryClient client)
    {
        var sent = 0;
        while (sent < options.MaxMessagesPerConnection)
        {
            if (!_waiting.TryDequeue(out var job))
            {
                // Mail that came in meanwhile goes on this open connection rather than a new one.
                await LoadAsync();
                if (!_waiting.TryDequeue(out job))
                {
                    break;
                }
            }

            var result = await runner.SendAsync(client, job);
            Settle(job, result.Recorded);
            sent++;
            if (result.Broken)
            {
                return;
            }

            if (sent == 1 && _limit < options.MaxConnectionsPerDestination)
            {
                // Slow start: a connection that delivered earns the destination one more.
                _limit++;
                StartConnections();
            }
        }

        await client.QuitAsync();
    }

    /// <summary>Defers or bounces every waiting job with the same reply (no route, or no host would talk to us).</summary>
    private async Task FailAllWaitingAsync(SmtpReply reply)
    {
        while (_waiting.TryDequeue(out var job))
        {
            Settle(job, await runner.FailAsync(job, reply));
        }
    }

    /// <summary>
    /// A job is done with: its rows may be loaded again. Rows whose results the store would not take stay out of
    /// reach a while, so they are not sent again at once; then they are retried like any due row (one that was
    /// delivered may go twice).
    /// </summary>
    private void Settle(DeliveryJob job, bool recorded)
    {
        if (recorded)
        {
            Forget(job);
            return;
        }

        logger.LogError("Results of {QueueId} not recorded; its rows wait {Delay} before another attempt", job.QueueId, HeldAfterRecordFailure);
        _ = ForgetLaterAsync(job, HeldAfterRecordFailure);
    }

    private void Forget(DeliveryJob job)
    {
        foreach (var row in job.Rows)
        {
            _loaded.Remove(row.Id);
        }
    }

    private async Task ForgetLaterAsync(DeliveryJob job, TimeSpan delay)
    {
        await Task.Delay(delay);
        Forget(job);
        _ = LoadAndStartAsync();
    }

    /// <summary>With nothing loaded and no connection, asks for the timer at the destination's next due row.</summary>
    private async Task ScheduleWhenIdleAsync()
    {
        if (_connections > 0 || _waiting.Count > 0)
        {
            return;
        }

        try
        {
            var next = await store.GetNextAttemptAsync(destination);
            if (next is { } at)
            {
                // Due rows that are held (their results could not be recorded) must not spin a timer.
                var due = at - time.GetUtcNow();
                schedule(_loaded.Count > 0 && due < HeldRowsRecheck ? HeldRowsRecheck : due);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Reading the next attempt of {Destination} failed", destination);
            schedule(TimeSpan.FromSeconds(30));
        }
    }
}
