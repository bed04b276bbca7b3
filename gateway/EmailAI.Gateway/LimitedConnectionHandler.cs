using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using EmailAI.Gateway.Smtp;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway;

/// <summary>
/// What every protocol listener does around its session pump: normalise the client address, enforce the
/// connection limits (refusing with the protocol's own line), run the session, treat a vanished client as
/// the normal end it is, and always release the slot and complete both pipes.
/// </summary>
public abstract class LimitedConnectionHandler(ConnectionLimiter limiter, ClusterConnection cluster, ILogger logger) : ConnectionHandler
{
    /// <summary>The line (without CRLF) that refuses a session while the cluster is unreachable.</summary>
    protected abstract string UnavailableLine { get; }

    /// <summary>Protocol name for logs.</summary>
    protected abstract string Protocol { get; }

    /// <summary>The line (without CRLF) that refuses a connection over the limits.</summary>
    protected abstract string RefusalLine { get; }

    protected abstract (int Total, int PerClient) Limits { get; }

    /// <summary>Runs the session until it ends; I/O failures of a vanished client may escape.</summary>
    protected abstract Task RunSessionAsync(ConnectionContext connection, IPAddress remote);

    public sealed override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var remote = (connection.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        if (!cluster.IsConnected)
        {
            await WriteLineAsync(connection.Transport.Output, UnavailableLine, connection.ConnectionClosed);
            await connection.Transport.Output.CompleteAsync();
            return;
        }

        var (total, perClient) = Limits;
        if (!limiter.TryAcquire(remote, total, perClient))
        {
            GatewayTelemetry.ConnectionsRefused.Add(1, new KeyValuePair<string, object?>("protocol", Protocol));
            logger.LogWarning("{Protocol} connection from {RemoteAddress} refused: connection limit reached", Protocol, remote);
            await WriteLineAsync(connection.Transport.Output, RefusalLine, connection.ConnectionClosed);
            await connection.Transport.Output.CompleteAsync();
            return;
        }

        using var scope = logger.BeginScope("{Protocol} session {SessionId} from {RemoteAddress}", Protocol, connection.ConnectionId, remote);
        try
        {
            await RunSessionAsync(connection, remote);
        }
        catch (ConnectionResetException)
        {
            // The client went away. Nothing it did not see acknowledged was committed.
        }
        catch (OperationCanceledException) when (connection.ConnectionClosed.IsCancellationRequested)
        {
        }
        catch (IOException ex)
        {
            logger.LogDebug(ex, "{Protocol} connection I/O error", Protocol);
        }
        finally
        {
            limiter.Release(remote);
            await connection.Transport.Input.CompleteAsync();
            await connection.Transport.Output.CompleteAsync();
        }
    }

    protected static async ValueTask WriteLineAsync(PipeWriter output, string line, CancellationToken cancellationToken)
    {
        output.Write(Encoding.UTF8.GetBytes(line + "\r\n"));
        await output.FlushAsync(cancellationToken);
    }
}
