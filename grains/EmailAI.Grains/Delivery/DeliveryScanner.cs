using EmailAI.Contracts;
using EmailAI.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// Runs in every silo: at start and every <see cref="DeliveryOptions.QueueScanInterval"/> it wakes the delivery
/// grain of each destination with mail due. Grains keep their own timers; this is what brings mail back after a
/// restart or after a grain was deactivated, and it makes a lost wake-up cost one interval at most. Several
/// silos scanning is harmless: waking a busy destination does nothing.
/// </summary>
public sealed partial class DeliveryScanner(IMessageStore store, IGrainFactory grains, IOptions<DeliveryOptions> options, TimeProvider time, ILogger<DeliveryScanner> logger)
    : BackgroundService
{
    /// <summary>Destinations woken per scan at most; the rest wait for the next scan.</summary>
    public const int MaxDestinationsPerScan = 10_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The silo must be up before grains can be called.
        await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var due = await store.ListDueDestinationsAsync(time.GetUtcNow(), MaxDestinationsPerScan, stoppingToken).ConfigureAwait(false);
                foreach (var destination in due)
                {
                    try
                    {
                        await grains.GetGrain<IDeliveryGrain>(destination).WakeAsync().ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                    {
                        // One bad destination (a key no grain can have) must not stop the others.
                        LogWakeFailed(logger, destination, ex);
                    }
                }

                if (due.Count > 0)
                {
                    LogWoken(logger, due.Count);
                }

                await SampleQueueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogScanFailed(logger, ex);
            }

            try
            {
                await Task.Delay(options.Value.QueueScanInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue scan woke {Count} destination(s)")]
    private static partial void LogWoken(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waking delivery of '{Destination}' failed")]
    private static partial void LogWakeFailed(ILogger logger, string destination, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue scan failed")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);

    /// <summary>The queue gauges of <see cref="DeliveryMetrics"/>: one grouped read of the queue per scan.</summary>
    private async Task SampleQueueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var destinations = await store.ListQueueDestinationsAsync(now, null, MaxDestinationsPerScan, cancellationToken).ConfigureAwait(false);
        DeliveryMetrics.Record(new QueueSample(
            destinations.Sum(d => (long)d.Recipients),
            destinations.Sum(d => (long)d.Held),
            destinations.Count,
            destinations.Count == 0 ? 0 : Math.Max(0, (now - destinations.Min(d => d.OldestReceivedAt)).TotalSeconds)));
    }
}
