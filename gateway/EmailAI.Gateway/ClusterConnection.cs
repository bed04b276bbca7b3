using EmailAI.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway;

/// <summary>
/// Whether this gateway can reach the cluster. An Orleans client reports gateway-count changes here; a
/// gateway co-hosted with its silo never does, and counts as connected. New SMTP and POP3 sessions check
/// it first, so a gateway that lost every silo answers 421 4.3.0 / -ERR [SYS/TEMP] at once instead of
/// greeting clients it can only fail later.
/// </summary>
/// <remarks>
/// The Orleans client opens a gateway connection only when it has a message to send, and a gateway that
/// refuses every session sends none: left alone it would notice a returning silo only when some periodic
/// client traffic happens to run (about a minute). So while disconnected this probes the cluster with a
/// cheap grain call every <see cref="ProbeInterval"/>; the first one that gets through reconnects the client,
/// which then reports the gateway count here.
/// </remarks>
public sealed class ClusterConnection(IServiceProvider services, ILogger<ClusterConnection> logger) : IClusterConnectionStatusObserver, IDisposable
{
    /// <summary>How often a disconnected gateway tries the cluster again.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private volatile bool _connected = true;
    private Task? _probing;
    private bool _disposed;

    public bool IsConnected => _connected;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        logger.LogInformation("Connected to {Count} cluster gateway(s) (was {Previous})", currentNumberOfGateways, previousNumberOfGateways);
        SetConnected(currentNumberOfGateways > 0);
    }

    public void NotifyClusterConnectionLost()
    {
        logger.LogWarning("Lost the connection to the cluster; new sessions are refused until it is back");
        SetConnected(false);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _stopping.Cancel();
        }

        _stopping.Dispose();
    }

    private void SetConnected(bool connected)
    {
        _connected = connected;
        if (connected)
        {
            return;
        }

        lock (_gate)
        {
            if (!_disposed && _probing is null)
            {
                var token = _stopping.Token;
                _probing = Task.Run(() => ProbeUntilConnectedAsync(token), CancellationToken.None);
            }
        }
    }

    private async Task ProbeUntilConnectedAsync(CancellationToken token)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        while (!token.IsCancellationRequested)
        {
            lock (_gate)
            {
                // Checked under the lock SetConnected takes: a loss reported while this probe is finishing
                // either sees it still running (and this loop goes on) or sees it done (and starts another).
                if (_connected)
                {
                    _probing = null;
                    return;
                }
            }

            try
            {
                await Task.Delay(ProbeInterval, token).ConfigureAwait(false);
                await grains.GetGrain<IDirectoryGrain>(GrainKeys.Directory).ListDomainsAsync().WaitAsync(ProbeInterval * 2, token).ConfigureAwait(false);
                logger.LogInformation("The cluster answers again");
                _connected = true;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Cluster probe failed");
            }
        }
    }
}
