using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway;

/// <summary>
/// Whether this gateway can reach the cluster. An Orleans client reports gateway-count changes here; a
/// gateway co-hosted with its silo never does, and counts as connected. New SMTP and POP3 sessions check
/// it first, so a gateway that lost every silo answers 421 4.3.0 / -ERR [SYS/TEMP] at once instead of
/// greeting clients it can only fail later.
/// </summary>
public sealed class ClusterConnection(ILogger<ClusterConnection> logger) : IClusterConnectionStatusObserver
{
    private volatile bool _connected = true;

    public bool IsConnected => _connected;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        _connected = currentNumberOfGateways > 0;
        logger.LogInformation("Connected to {Count} cluster gateway(s) (was {Previous})", currentNumberOfGateways, previousNumberOfGateways);
    }

    public void NotifyClusterConnectionLost()
    {
        _connected = false;
        logger.LogWarning("Lost the connection to the cluster; new sessions are refused until it is back");
    }
}
