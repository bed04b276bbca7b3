using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using EmailAI.Gateway.Smtp;
using EmailAI.Protocols.Pop3;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Pop3;

/// <summary>
/// Pumps one Kestrel connection through a <see cref="Pop3Session"/>. Besides reading and flushing, the
/// pump keeps the maildrop lock's lease alive while the session is in TRANSACTION, and releases the lock
/// without deleting anything when the connection ends any other way than QUIT (RFC 1939 §6).
/// Plaintext logins count as secure only on loopback until TLS exists (see <see cref="Pop3Options.AllowInsecureAuth"/>).
/// </summary>
public sealed class Pop3ConnectionHandler(
    IOptions<Pop3Options> pop3Options,
    IOptions<Pop3LoginOptions> loginOptions,
    GrainPop3Backend backend,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    [FromKeyedServices(Pop3ConnectionHandler.LimiterKey)] ConnectionLimiter connectionLimiter,
    ClusterConnection cluster,
    ILogger<Pop3ConnectionHandler> logger) : LimitedConnectionHandler(connectionLimiter, cluster, logger)
{
    protected override string UnavailableLine => Pop3Responses.TemporaryFailure;

    public const string LimiterKey = "pop3";

    protected override string Protocol => "POP3";

    protected override string RefusalLine => Pop3Responses.TooManyConnections;

    protected override (int Total, int PerClient) Limits => (pop3Options.Value.MaxConnections, pop3Options.Value.MaxConnectionsPerClient);

    protected override async Task RunSessionAsync(ConnectionContext connection, IPAddress remote)
    {
        var options = pop3Options.Value;
        var session = new Pop3Session(options, connection.ConnectionId, remote, IPAddress.IsLoopback(remote), backend, time);
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var closed = connection.ConnectionClosed;
        var stopping = lifetime.ApplicationStopping;
        var renewEvery = loginOptions.Value.LockLease / 3;
        var nextRenewal = DateTimeOffset.MaxValue;

        GatewayTelemetry.Pop3Connections.Add(1);
        try
        {
            await WriteLineAsync(output, session.Start(), closed);
            while (!session.IsClosed)
            {
                if (stopping.IsCancellationRequested)
                {
                    // Leaving without UPDATE: nothing is deleted, the lock is released below.
                    await WriteLineAsync(output, Pop3Responses.ShuttingDown, closed);
                    break;
                }

                if (session.Mailbox is not null && time.GetUtcNow() >= nextRenewal)
                {
                    if (!await backend.RenewAsync(session.Mailbox, session.SessionId))
                    {
                        logger.LogWarning("POP3 session lost the lock of {Mailbox}", session.Mailbox);
                        await WriteLineAsync(output, Pop3Responses.TemporaryFailure, closed);
                        break;
                    }

                    nextRenewal = time.GetUtcNow() + renewEvery;
                }

                ReadResult result;
                using (var wake = CancellationTokenSource.CreateLinkedTokenSource(closed, stopping))
                {
                    var until = session.Mailbox is null ? session.Deadline : Min(session.Deadline, nextRenewal);
                    var wait = until - time.GetUtcNow();
                    wake.CancelAfter(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                    try
                    {
                        result = await input.ReadAsync(wake.Token);
                    }
                    catch (OperationCanceledException) when (!closed.IsCancellationRequested)
                    {
                        if (session.CheckTimeout() is { } autologout)
                        {
                            logger.LogInformation("POP3 autologout");
                            await WriteLineAsync(output, autologout, closed);
                        }

                        continue;
                    }
                }

                var buffer = result.Buffer;
                var hadMailbox = session.Mailbox is not null;
                var consumed = await session.ProcessAsync(buffer, output, closed);
                input.AdvanceTo(consumed, buffer.End);
                if (!hadMailbox && session.Mailbox is not null)
                {
                    nextRenewal = time.GetUtcNow() + renewEvery;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        finally
        {
            if (session.Mailbox is { } mailbox)
            {
                // Not a completed QUIT: RFC 1939 §6 says nothing is deleted; just let the maildrop go.
                try
                {
                    await backend.ReleaseAsync(mailbox, session.SessionId);
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Releasing the lock of {Mailbox} failed; it frees itself when the lease ends", mailbox);
                }
            }
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
