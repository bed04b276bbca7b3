using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using EmailAI.Gateway.Smtp;
using EmailAI.Gateway.Tls;
using EmailAI.Protocols.Common;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway;

/// <summary>
/// What every protocol listener does around its session pump: normalise the client address, enforce the
/// connection limits of <see cref="ConnectionLimiter"/> (refusing with the protocol's own line for the limit; on an implicit-TLS listener, where a line in clear
/// would only be a failed handshake to the client, by closing), run the TLS handshake first on 465/995, run the
/// session, treat a vanished client as the normal end it is, and always release the slot and complete both pipes
/// (the TLS layer's and the connection's own).
/// </summary>
public abstract class LimitedConnectionHandler(ConnectionLimiter limiter, ClusterConnection cluster, TlsHandshake tls, ILogger logger) : ConnectionHandler
{
    /// <summary>The line (without CRLF) that refuses a session while the cluster is unreachable.</summary>
    protected abstract string UnavailableLine { get; }

    /// <summary>Protocol name for logs.</summary>
    protected abstract string Protocol { get; }

    /// <summary>The line (without CRLF) that refuses a connection over the limit <paramref name="refusal"/>.</summary>
    protected abstract string RefusalLine(ConnectionRefusal refusal);

    /// <summary>The limits in force now (read per connection, so a configuration reload applies to the next one).</summary>
    protected abstract IConnectionLimitOptions Limits { get; }

    /// <summary>
    /// Runs the session until it ends; I/O failures of a vanished client may escape. <paramref name="implicitTls"/>
    /// is the handshake's result on 465/995, null elsewhere.
    /// </summary>
    protected abstract Task RunSessionAsync(ConnectionContext connection, IPAddress remote, ListenerEndpoint endpoint, TlsSessionInfo? implicitTls);

    public sealed override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var remote = (connection.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        var endpoint = connection.Features.Get<ListenerEndpoint>() ?? ListenerEndpoint.Plain;
        if (!cluster.IsConnected)
        {
            if (!endpoint.ImplicitTls)
            {
                await WriteLineAsync(connection.Transport.Output, UnavailableLine, connection.ConnectionClosed);
            }

            await connection.Transport.Output.CompleteAsync();
            return;
        }

        // Not cancelled by the client's FIN: the Authorised IP lookup is bounded, and the slot must be settled either way.
        var admission = await limiter.AcquireAsync(remote, Limits, CancellationToken.None);
        if (!admission.Admitted)
        {
            var reason = ReasonTag(admission.Refusal);
            GatewayTelemetry.ConnectionsRefused.Add(1, new KeyValuePair<string, object?>("protocol", Protocol), new KeyValuePair<string, object?>("reason", reason));
            logger.LogWarning("{Protocol} connection from {RemoteAddress} refused: {Reason} connection limit reached (client group {ClientGroup})", Protocol, remote, reason, admission.Group);
            if (!endpoint.ImplicitTls)
            {
                await WriteLineAsync(connection.Transport.Output, RefusalLine(admission.Refusal), connection.ConnectionClosed);
            }

            await connection.Transport.Output.CompleteAsync();
            return;
        }

        if (admission.Exemption != ConnectionExemption.None)
        {
            var reason = admission.Exemption == ConnectionExemption.Loopback ? "loopback" : "authorised_ip";
            GatewayTelemetry.ConnectionsExempted.Add(1, new KeyValuePair<string, object?>("protocol", Protocol), new KeyValuePair<string, object?>("reason", reason));
            logger.LogDebug("{Protocol} connection from {RemoteAddress} over a per-client limit admitted: {Reason} is exempt", Protocol, remote, reason);
        }

        using var scope = logger.BeginScope("{Protocol} session {SessionId} from {RemoteAddress}", Protocol, connection.ConnectionId, remote);
        var original = connection.Transport;
        try
        {
            TlsSessionInfo? implicitTls = null;
            if (endpoint.ImplicitTls)
            {
                implicitTls = await tls.AuthenticateAsync(connection, TlsProtocol, remote);
                if (implicitTls is null)
                {
                    return;
                }
            }

            await RunSessionAsync(connection, remote, endpoint, implicitTls);
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
            limiter.Release(admission);
            if (connection.Transport is TlsTransport secured)
            {
                await secured.Input.CompleteAsync();
                await secured.Output.CompleteAsync();
                await secured.DisposeAsync();
            }

            await original.Input.CompleteAsync();
            await original.Output.CompleteAsync();
        }
    }

    private string TlsProtocol => Protocol.ToLowerInvariant();

    private static string ReasonTag(ConnectionRefusal refusal) => refusal switch
    {
        ConnectionRefusal.Total => "total",
        ConnectionRefusal.PerClient => "per_client",
        _ => "rate",
    };

    /// <summary>
    /// After the session's STARTTLS/STLS reply has been flushed: drops what the client pipelined behind the command
    /// (already read, never executed: CVE-2011-0411; a warning with the octet count, as Postfix logs it), then runs
    /// the handshake. Null when the handshake failed: the caller ends the session.
    /// </summary>
    protected async Task<TlsSessionInfo?> StartTlsAsync(ConnectionContext connection, IPAddress remote, long pipelinedOctets)
    {
        if (pipelinedOctets > 0)
        {
            logger.LogWarning(
                "{Protocol} client {RemoteAddress} sent {Octets} octets after {Command} before the TLS handshake; discarded, never executed (CVE-2011-0411)",
                Protocol,
                remote,
                pipelinedOctets,
                Protocol == "SMTP" ? "STARTTLS" : "STLS");
        }

        var info = await tls.AuthenticateAsync(connection, TlsProtocol, remote);
        if (info is not null)
        {
            GatewayTelemetry.StartTlsSessions.Add(1, new KeyValuePair<string, object?>("protocol", TlsProtocol));
        }

        return info;
    }

    protected static async ValueTask WriteLineAsync(PipeWriter output, string line, CancellationToken cancellationToken)
    {
        output.Write(Encoding.UTF8.GetBytes(line + "\r\n"));
        await output.FlushAsync(cancellationToken);
    }
}
