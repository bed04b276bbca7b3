using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EmailAI.Grains.Policy;

/// <summary>
/// Runs in every silo: keeps <see cref="RelayPolicyCache"/> current by asking for a newer version every
/// <see cref="RelayPolicyCache.RefreshInterval"/>, so decisions find it fresh and never wait. A failed refresh
/// is logged once per outage; the cache's <see cref="RelayPolicyCache.MaxAge"/> then stops relaying on stale
/// data.
/// </summary>
public sealed partial class RelayPolicyRefresher(RelayPolicyCache cache, TimeProvider time, ILogger<RelayPolicyRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await cache.RefreshAsync().ConfigureAwait(false);
                if (failing)
                {
                    LogRecovered(logger);
                    failing = false;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Before the silo has started, grain calls fail too: that is not worth a warning.
                if (!failing && time.GetUtcNow() - Started > StartupGrace)
                {
                    LogFailed(logger, ex);
                    failing = true;
                }
            }

            try
            {
                await Task.Delay(RelayPolicyCache.RefreshInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static readonly TimeSpan StartupGrace = TimeSpan.FromSeconds(30);

    private DateTimeOffset Started { get; } = time.GetUtcNow();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay policy refresh failed; relaying waits for a current policy until it succeeds")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay policy refresh works again")]
    private static partial void LogRecovered(ILogger logger);
}
