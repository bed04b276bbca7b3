using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using EmailAI.Gateway.Smtp;
using EmailAI.Gateway.Tls;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Pop3;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Pop3;

/// <summary>
/// Pumps one Kestrel connection through a <see cref="Pop3Session"/>: read what arrived, let the session run
/// one command at a time, hand each response to a <see cref="Pop3ResponseWriter"/> (which streams RETR data
/// and pushes back when the client does not read, at most <see cref="Pop3Options.WriteTimeout"/>), flush
/// at the end of the read. The maildrop lock's lease is kept alive by <see cref="LeaseRenewingPop3Backend"/>;
/// the lock is released without deleting anything when the connection ends any other way than QUIT (RFC
/// 1939 §6). The client's FIN (a half-close after QUIT) does not cancel anything: the commands it sent are
/// answered, and the UPDATE of its QUIT commits. Plaintext logins are allowed under TLS (STLS, or port 995) and on
/// loopback (see <see cref="Pop3Options.AllowInsecureAuth"/> for the rest). After <c>+OK</c> to STLS the response
/// is flushed, whatever the client pipelined behind STLS is dropped unexecuted, and the handshake runs; the
/// session goes on over <see cref="Tls.TlsTransport"/> with a new response writer on it. The read deadline is the
/// session's <see cref="Pop3Session.Deadline"/>, which includes <see cref="Pop3Options.MaxSessionDuration"/>.
/// </summary>
public sealed class Pop3ConnectionHandler(
    IOptions<Pop3Options> pop3Options,
    IOptions<Pop3LoginOptions> loginOptions,
    GrainPop3Backend backend,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    [FromKeyedServices(Pop3ConnectionHandler.LimiterKey)] ConnectionLimiter connectionLimiter,
    ClusterConnection cluster,
    TlsHandshake tls,
    ILogger<Pop3ConnectionHandler> logger) : LimitedConnectionHandler(connectionLimiter, cluster, tls, logger)
{
    private readonly Pop3LoginLog _logins = new(logger);

    protected override string UnavailableLine => Pop3Responses.TemporaryFailure;

    public const string LimiterKey = "pop3";

    protected override string Protocol => "POP3";

    protected override string RefusalLine(ConnectionRefusal refusal) => refusal == ConnectionRefusal.Total ? Pop3Responses.TooManyConnections : Pop3Responses.TooManyConnectionsFromClient;

    protected override IConnectionLimitOptions Limits => pop3Options.Value;

    protected override async Task RunSessionAsync(ConnectionContext connection, IPAddress remote, ListenerEndpoint endpoint, TlsSessionInfo? implicitTls)
    {
        var options = pop3Options.Value;

        // One trace per POP3 session, a root whatever the connection's context: the login, the maildrop lock and every
        // retrieval's grain calls are its children.
        using var trace = EmailAI.Protocols.Smtp.SmtpTracing.Start("pop3.session", GatewayTelemetry.Source);
        trace.SetTag("client.address", remote.ToString());
        trace.SetTag("pop3.session_id", connection.ConnectionId);
        await using var maildrop = new LeaseRenewingPop3Backend(backend, backend.RenewAsync, loginOptions.Value.LockLease, time, logger);
        // The certificate store always holds a certificate (configured or self-signed), so STLS is always offered.
        var session = new Pop3Session(options, connection.ConnectionId, remote, IPAddress.IsLoopback(remote), maildrop, time, _logins, tlsAvailable: true, implicitTls);
        var input = connection.Transport.Input;
        var writer = new Pop3ResponseWriter(connection.Transport.Output, options, time);
        var stopping = lifetime.ApplicationStopping;
        var responses = new List<Pop3Response>();
        var ending = "client closed";

        GatewayTelemetry.Pop3Connections.Add(1);
        logger.LogInformation("POP3 connect from {RemoteAddress}", remote);
        try
        {
            await writer.WriteLineAsync(session.Start());
            while (!session.IsClosed)
            {
                if (stopping.IsCancellationRequested)
                {
                    // Leaving without UPDATE: nothing is deleted, the lock is released below.
                    ending = "server shutting down";
                    await writer.WriteLineAsync(Pop3Responses.ShuttingDown);
                    break;
                }

                if (maildrop.LeaseLost.IsCancellationRequested)
                {
                    ending = "maildrop lock lost";
                    await writer.WriteLineAsync(Pop3Responses.TemporaryFailure);
                    break;
                }

                ReadResult result;
                using (var wake = CancellationTokenSource.CreateLinkedTokenSource(stopping, maildrop.LeaseLost))
                {
                    // Not ConnectionClosed: Kestrel fires it on the client's FIN, and commands sent before the
                    // FIN are still to be answered. The input completing is how a closed connection shows.
                    var wait = session.Deadline - time.GetUtcNow();
                    wake.CancelAfter(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                    try
                    {
                        result = await input.ReadAsync(wake.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        if (session.CheckTimeout() is { } autologout)
                        {
                            ending = session.CloseReason ?? Pop3Session.AutologoutReason;
                            await writer.WriteLineAsync(autologout);
                        }

                        continue;
                    }
                }

                var buffer = result.Buffer;
                var answered = false;
                long pipelined = 0;
                try
                {
                    // One command at a time; its response goes to the writer (which pushes back) before the next runs.
                    while (!session.IsClosed)
                    {
                        var consumed = await session.ProcessAsync(buffer, responses, CancellationToken.None);
                        buffer = buffer.Slice(consumed);
                        if (responses.Count == 0)
                        {
                            break;
                        }

                        foreach (var response in responses)
                        {
                            await writer.WriteAsync(response);
                        }

                        responses.Clear();
                        answered = true;
                    }

                    await writer.FlushAsync();
                    if (answered)
                    {
                        // Time spent on a slow login or sending a long RETR is not the client's inactivity.
                        session.RestartAutologout();
                    }
                }
                finally
                {
                    // RFC 2595 §4: nothing the client sent in clear after STLS is read as a command.
                    pipelined = session.TlsRequested ? buffer.Length : 0;
                    input.AdvanceTo(session.TlsRequested ? result.Buffer.End : buffer.Start, result.Buffer.End);
                }

                if (session.TlsRequested && !result.IsCompleted)
                {
                    if (await StartTlsAsync(connection, remote, pipelined) is not { } started)
                    {
                        ending = "TLS handshake failed";
                        break;
                    }

                    session.TlsStarted(started);
                    input = connection.Transport.Input;
                    writer = new Pop3ResponseWriter(connection.Transport.Output, options, time, writer.BytesWritten);
                    continue;
                }

                if (result.IsCompleted || result.IsCanceled || session.TlsRequested)
                {
                    break;
                }
            }

            if (session.IsClosed && ending == "client closed")
            {
                ending = session.State == Pop3State.Update ? "QUIT" : session.CloseReason ?? "session closed";
            }

            if (session.CloseReason is Pop3Session.JunkCommandsReason or Pop3Session.SessionDurationReason)
            {
                var reason = session.CloseReason == Pop3Session.JunkCommandsReason ? "junk_commands" : "session_duration";
                GatewayTelemetry.Pop3SessionsCut.Add(1, new KeyValuePair<string, object?>("reason", reason));
                logger.LogWarning("POP3 session from {RemoteAddress} ended by the server: {Reason}; nothing deleted", remote, session.CloseReason);
            }
        }
        catch (TimeoutException) when (writer.TimedOut)
        {
            // The client stopped reading: cut it off (its unsent data with it) so the slot and the lock go now.
            ending = $"write timeout ({options.WriteTimeout})";
            connection.Abort(new ConnectionAbortedException("POP3 client stopped reading"));
        }
        finally
        {
            if (session.Mailbox is { } mailbox)
            {
                // Not a completed QUIT: RFC 1939 §6 says nothing is deleted; just let the maildrop go.
                try
                {
                    await maildrop.ReleaseAsync(mailbox, session.SessionId);
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Releasing the lock of {Mailbox} failed; it frees itself when the lease ends", mailbox);
                }
            }

            trace.SetTag("pop3.ending", ending);
            trace.SetTag("pop3.retrieved", session.MessagesRetrieved);
            trace.SetTag("pop3.deleted", session.MessagesDeleted);
            trace.SetTag("pop3.logged_in", session.Mailbox is not null);
            logger.LogInformation(
                "POP3 disconnect from {RemoteAddress} ({Ending}): retrieved={Retrieved} ({RetrievedOctets} octets) deleted={Deleted} sent={SentOctets} octets",
                remote,
                ending,
                session.MessagesRetrieved,
                session.OctetsRetrieved,
                session.MessagesDeleted,
                writer.BytesWritten);
        }
    }
}
