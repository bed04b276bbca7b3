using System.IO.Pipelines;
using System.Net;
using EmailAI.Gateway.Geo;
using EmailAI.Gateway.Tls;
using EmailAI.Protocols.Auth;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.DependencyInjection;
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
/// Kestrel's ConnectionClosed token fires on the client's FIN, so it cancels nothing here: a client that
/// half-closes after QUIT (<c>nc -N</c>) still has everything it sent processed, committed and answered.
/// A flush that waits longer than <see cref="SmtpOptions.WriteTimeout"/> (the client stopped reading) aborts
/// the connection, which frees its slot. A connection that closes mid-DATA simply ends: the partial message
/// was only ever in memory.
/// On shutdown, a session waiting for a command gets 421 4.3.2 at once; a session inside DATA may finish
/// its message (until its own deadline) and then gets the 421.
/// After a 220 to STARTTLS the replies are flushed, whatever the client pipelined behind STARTTLS is dropped
/// unexecuted, the handshake runs and the session continues over <see cref="Tls.TlsTransport"/> (the same
/// deadlines, write timeout and reply bound apply); a failed handshake ends the connection.
/// AUTH's services (<see cref="ICredentialVerifier"/>, <see cref="ISenderPolicy"/>) are taken from DI when
/// registered; without them the session offers no AUTH. The client's country comes from the node's
/// <see cref="ICountryLocator"/>, once per connection, and its standing (errors of its client group in other sessions)
/// from <see cref="ClientErrorHistory"/>. A reply batch the session delays (the error tarpit,
/// <see cref="SmtpSession.TakeReplyDelay"/>) is written after that delay.
/// </summary>
public sealed class SmtpConnectionHandler(
    IOptions<SmtpOptions> smtpOptions,
    IRecipientPolicy policy,
    IMessageSink sink,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ConnectionLimiter connectionLimiter,
    ClusterConnection cluster,
    TlsHandshake tls,
    ICountryLocator locations,
    ClientErrorHistory errorHistory,
    SmtpStress stress,
    IServiceProvider services,
    ILogger<SmtpConnectionHandler> logger) : LimitedConnectionHandler(connectionLimiter, cluster, tls, logger)
{
    // Resolved once: they are singletons, and a lookup per connection is work on the connect path for nothing.
    private readonly ICredentialVerifier? _credentials = services.GetService<ICredentialVerifier>();
    private readonly ISenderPolicy? _senders = services.GetService<ISenderPolicy>();
    private readonly IStorageSpace? _storage = services.GetService<IStorageSpace>();

    protected override string UnavailableLine => SmtpReplies.ServiceUnavailable.ToString().TrimEnd();

    protected override string Protocol => "SMTP";

    protected override string RefusalLine(ConnectionRefusal refusal) => (refusal == ConnectionRefusal.Total ? SmtpReplies.TooManyConnections : SmtpReplies.TooManyConnectionsFromClient).ToString().TrimEnd();

    protected override IConnectionLimitOptions Limits => smtpOptions.Value;

    protected override async Task RunSessionAsync(ConnectionContext connection, IPAddress remote, ListenerEndpoint endpoint, TlsSessionInfo? implicitTls)
    {
        var configured = smtpOptions.Value;
        GatewayTelemetry.StressSource ??= () => stress.Stressed;
        // Postfix's stress mode: a session begun with most slots taken gets the short timeouts and error limits.
        var options = stress.Enter(configured);
        try
        {
            await RunSessionAsync(connection, remote, endpoint, implicitTls, options);
        }
        finally
        {
            stress.Leave(configured);
        }
    }

    private async Task RunSessionAsync(ConnectionContext connection, IPAddress remote, ListenerEndpoint endpoint, TlsSessionInfo? implicitTls, SmtpOptions options)
    {
        var log = new SmtpSessionLog(logger);
        // The certificate store always holds a certificate (configured or self-signed), so TLS is always available.
        // The country is looked up once, here, for the address the session decides by (after any PROXY header).
        var context = new SmtpSessionContext(endpoint.Smtp, TlsAvailable: true, implicitTls, _credentials, _senders, locations.Lookup(remote), Standing: errorHistory.For(remote), Storage: _storage);
        var session = new SmtpSession(options, context, connection.ConnectionId, remote, policy, sink, time, log);
        var input = connection.Transport.Input;
        var stopping = lifetime.ApplicationStopping;
        var replies = new List<SmtpReply>();

        GatewayTelemetry.SmtpConnections.Add(1);
        GatewayTelemetry.SmtpActiveSessions.Add(1);
        log.Connected(remote);
        try
        {
            if (!await WriteAsync(connection, [session.Start()]))
            {
                return;
            }

            while (!session.IsClosed)
            {
                ReadResult result;
                if (stopping.IsCancellationRequested && !session.InData)
                {
                    await WriteAsync(connection, [SmtpReplies.ShuttingDown]);
                    break;
                }

                // Inside DATA a shutdown does not interrupt: the message may still complete.
                using (var deadline = session.InData ? new CancellationTokenSource() : CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    var wait = session.Deadline - time.GetUtcNow();
                    deadline.CancelAfter(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                    try
                    {
                        result = await input.ReadAsync(deadline.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        if (stopping.IsCancellationRequested)
                        {
                            continue;
                        }

                        // The session reports the timeout (its command, sender and reason) through the log.
                        if (session.CheckTimeout() is { } timeout)
                        {
                            await WriteAsync(connection, [timeout]);
                        }

                        continue;
                    }
                }

                // Pipelined commands are taken only as fast as their replies drain: each batch (at most about
                // MaxPendingReplyBytes) is flushed, which waits while the client is not reading, before the rest.
                // Nothing is cancelled when the client half-closes: what it sent before its FIN is answered.
                var buffer = result.Buffer;
                var writable = true;
                while (true)
                {
                    var consumed = await session.ProcessAsync(buffer, replies, CancellationToken.None);
                    buffer = buffer.Slice(consumed);
                    if (replies.Count == 0)
                    {
                        break;
                    }

                    await TarpitAsync(session.TakeReplyDelay(), stopping);

                    writable = await WriteAsync(connection, replies);
                    replies.Clear();
                    if (!writable || session.IsClosed || session.TlsRequested || buffer.IsEmpty)
                    {
                        break;
                    }
                }

                if (session.TlsRequested && writable && !result.IsCompleted)
                {
                    // RFC 3207 §4: nothing the client sent in clear after STARTTLS is read as a command.
                    var pipelined = buffer.Length;
                    input.AdvanceTo(result.Buffer.End);
                    if (await StartTlsAsync(connection, remote, pipelined) is not { } started)
                    {
                        break;
                    }

                    session.TlsStarted(started);
                    input = connection.Transport.Input;
                    continue;
                }

                input.AdvanceTo(buffer.Start, result.Buffer.End);
                if (!writable || result.IsCompleted || result.IsCanceled || session.TlsRequested)
                {
                    break;
                }
            }
        }
        finally
        {
            if (session.EndedBy is { } limit)
            {
                GatewayTelemetry.SmtpSessionsLimited.Add(1, new KeyValuePair<string, object?>("limit", limit.ToString()));
            }

            GatewayTelemetry.SmtpActiveSessions.Add(-1);
            session.EndTrace();
            log.Disconnected(session.Info, session.Counts);
        }
    }

    /// <summary>
    /// The error tarpit's wait before a batch is written (on the session's clock). Shutdown cuts it short: the reply
    /// goes out and the session gets its 421 4.3.2 next.
    /// </summary>
    private async ValueTask TarpitAsync(TimeSpan delay, CancellationToken stopping)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        GatewayTelemetry.SmtpTarpitDelays.Add(1);
        GatewayTelemetry.SmtpTarpitSeconds.Add(delay.TotalSeconds);
        try
        {
            await Task.Delay(delay, time, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Encodes the replies straight into the pipe (no intermediate string or array) and flushes once, for at
    /// most <see cref="SmtpOptions.WriteTimeout"/>. False when the client can no longer be written to: it went
    /// away, or it stopped reading and the connection was aborted.
    /// </summary>
    private async ValueTask<bool> WriteAsync(ConnectionContext connection, List<SmtpReply> replies)
    {
        var output = connection.Transport.Output;
        foreach (var reply in replies)
        {
            reply.WriteTo(output);
            GatewayTelemetry.Replies.Add(1, new KeyValuePair<string, object?>("code", reply.Code));
        }

        var timeout = smtpOptions.Value.WriteTimeout;
        using var expiry = new CancellationTokenSource(timeout, time);
        try
        {
            var flushed = await output.FlushAsync(expiry.Token);
            return !flushed.IsCompleted && !flushed.IsCanceled;
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested)
        {
            logger.LogWarning("SMTP client stopped reading: no reply could be written for {WriteTimeout}, disconnecting", timeout);
            // The disconnect line follows with the session's counts.
            connection.Abort(new ConnectionAbortedException("SMTP write timeout"));
            return false;
        }
    }
}
