using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using EmailAI.Protocols.Smtp;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// Pumps one Kestrel connection through an <see cref="SmtpSession"/>: read what arrived, let the session
/// consume complete lines, write each batch of its replies in one flush (so pipelined commands get batched
/// replies, and a client that does not read stops the processing of its further commands),
/// and enforce the session's deadline on every wait. All protocol decisions are the session's.
/// A connection that closes mid-DATA simply ends: the partial message was only ever in memory.
/// On shutdown, a session waiting for a command gets 421 4.3.2 at once; a session inside DATA may finish
/// its message (until its own deadline) and then gets the 421.
/// </summary>
public sealed class SmtpConnectionHandler(
    IOptions<SmtpOptions> smtpOptions,
    IRecipientPolicy policy,
    IMessageSink sink,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ConnectionLimiter connectionLimiter,
    ClusterConnection cluster,
    ILogger<SmtpConnectionHandler> logger) : LimitedConnectionHandler(connectionLimiter, cluster, logger)
{
    protected override string UnavailableLine => SmtpReplies.ServiceUnavailable.ToString().TrimEnd();

    protected override string Protocol => "SMTP";

    protected override string RefusalLine => SmtpReplies.TooManyConnections.ToString().TrimEnd();

    protected override (int Total, int PerClient) Limits => (smtpOptions.Value.MaxConnections, smtpOptions.Value.MaxConnectionsPerClient);

    protected override async Task RunSessionAsync(ConnectionContext connection, IPAddress remote)
    {
        var options = smtpOptions.Value;
        var session = new SmtpSession(options, connection.ConnectionId, remote, policy, sink, time);
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var closed = connection.ConnectionClosed;
        var stopping = lifetime.ApplicationStopping;
        var replies = new List<SmtpReply>();

        GatewayTelemetry.SmtpConnections.Add(1);
        GatewayTelemetry.SmtpActiveSessions.Add(1);
        logger.LogDebug("SMTP connection from {RemoteAddress}", remote);
        try
        {
            await WriteAsync(output, [session.Start()], closed);
            while (!session.IsClosed)
            {
                ReadResult result;
                if (stopping.IsCancellationRequested && !session.InData)
                {
                    await WriteAsync(output, [SmtpReplies.ShuttingDown], closed);
                    break;
                }

                // Inside DATA a shutdown does not interrupt: the message may still complete.
                using (var deadline = session.InData
                    ? CancellationTokenSource.CreateLinkedTokenSource(closed)
                    : CancellationTokenSource.CreateLinkedTokenSource(closed, stopping))
                {
                    var wait = session.Deadline - time.GetUtcNow();
                    deadline.CancelAfter(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                    try
                    {
                        result = await input.ReadAsync(deadline.Token);
                    }
                    catch (OperationCanceledException) when (!closed.IsCancellationRequested)
                    {
                        if (stopping.IsCancellationRequested)
                        {
                            continue;
                        }

                        if (session.CheckTimeout() is { } timeout)
                        {
                            logger.LogInformation("SMTP session timed out (in DATA: {InData})", session.InData);
                            await WriteAsync(output, [timeout], closed);
                        }

                        continue;
                    }
                }

                // Pipelined commands are taken only as fast as their replies drain: each batch (at most about
                // MaxPendingReplyBytes) is flushed, which waits while the client is not reading, before the rest.
                var buffer = result.Buffer;
                while (true)
                {
                    var consumed = await session.ProcessAsync(buffer, replies, closed);
                    buffer = buffer.Slice(consumed);
                    if (replies.Count == 0)
                    {
                        break;
                    }

                    await WriteAsync(output, replies, closed);
                    replies.Clear();
                    if (session.IsClosed || buffer.IsEmpty)
                    {
                        break;
                    }
                }

                input.AdvanceTo(buffer.Start, result.Buffer.End);

                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        finally
        {
            GatewayTelemetry.SmtpActiveSessions.Add(-1);
            logger.LogDebug("SMTP connection closed");
        }
    }

    /// <summary>Encodes the replies straight into the pipe (no intermediate string or array) and flushes once.</summary>
    private static async ValueTask WriteAsync(PipeWriter output, List<SmtpReply> replies, CancellationToken cancellationToken)
    {
        foreach (var reply in replies)
        {
            reply.WriteTo(output);
            GatewayTelemetry.Replies.Add(1, new KeyValuePair<string, object?>("code", reply.Code));
        }

        await output.FlushAsync(cancellationToken);
    }
}
