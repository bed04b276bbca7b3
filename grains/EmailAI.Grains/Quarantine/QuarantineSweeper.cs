using EmailAI.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Quarantine;

/// <summary>
/// Discards held mail older than <see cref="QuarantineOptions.Retention"/>, at start and every
/// <see cref="QuarantineOptions.SweepInterval"/> after, on each silo. Silos of a cluster may sweep at the same time: a
/// held row goes once (the cluster store's sweep skips rows another has locked), and the others find less to do. A
/// sweep that fails is logged and tried again at the next interval; held mail then lives a little longer, never shorter.
/// </summary>
public sealed partial class QuarantineSweeper(
    IQuarantineStore store,
    IOptions<QuarantineOptions> options,
    TimeProvider time,
    ILogger<QuarantineSweeper> logger) : BackgroundService
{
    /// <summary>Held messages discarded per transaction, so one sweep of a large backlog never holds the store's writer long.</summary>
    public const int BatchSize = 500;

    /// <summary>Discards every held message older than the retention now; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.Retention;
        var total = 0;
        int removed;
        do
        {
            removed = await store.ExpireQuarantineAsync(cutoff, BatchSize, cancellationToken);
            total += removed;
        }
        while (removed == BatchSize && !cancellationToken.IsCancellationRequested);

        if (total > 0)
        {
            LogExpired(logger, total, cutoff);
        }

        return total;
    }

    /// <summary>Reads the quarantine's size into the gauges.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var (messages, bytes) = await store.QuarantineTotalsAsync(cancellationToken);
        QuarantineMetrics.Record(messages, bytes);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Ticks at the shorter of the two intervals: the gauges every SampleInterval, the sweep when it is due.
        var sweepEvery = options.Value.SweepInterval;
        var sampleEvery = options.Value.SampleInterval;
        using var timer = new PeriodicTimer(sweepEvery < sampleEvery ? sweepEvery : sampleEvery, time);
        var nextSweep = DateTimeOffset.MinValue;
        do
        {
            try
            {
                if (time.GetUtcNow() >= nextSweep)
                {
                    nextSweep = time.GetUtcNow() + sweepEvery;
                    await SweepAsync(stoppingToken);
                }

                await SampleAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Quarantine: {Count} held message(s) received before {Cutoff:O} expired and were discarded")]
    private static partial void LogExpired(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quarantine expiry sweep failed; tried again at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
