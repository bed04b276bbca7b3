using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Geo;

/// <summary>
/// Calls <see cref="CountryLocator.Poll"/> every <see cref="GeoOptions.ReloadInterval"/> (through
/// <see cref="TimeProvider"/>), so a changed database is read in the background, never on a connection's path.
/// Taking the locator in its constructor makes the host build it, and so read the database, before Kestrel starts
/// accepting connections. An interval of zero or less turns the poll off.
/// </summary>
public sealed class GeoReloadService(CountryLocator locator, IOptions<GeoOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ReloadInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                locator.Poll();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
