using System.Diagnostics;
using System.Net.Sockets;

namespace EmailAI.Bench;

/// <summary>
/// Drives one run: <c>connections</c> concurrent sessions, each greeting + EHLO once, then MAIL/RCPT/DATA transactions
/// on the same connection (no PIPELINING, no RSET between successes) while a shared counter hands out message numbers
/// up to <c>messages</c>, then QUIT. A message counts as ok only if every step got its expected reply (2xx, and 354 for
/// DATA); anything else is an error, recorded by reply text. A failed transaction is followed by RSET; a 421 or an I/O
/// failure drops the connection and the next message opens a new one.
/// </summary>
internal sealed class SmtpLoadRunner(BenchOptions options, MessageFactory messages, ErrorLog errors)
{
    private const string EhloName = "bench.load.test";

    private int _claimed;
    private int _ok;
    private int _failed;

    /// <summary>Sends <paramref name="messageCount"/> messages over <paramref name="connections"/> connections.</summary>
    /// <param name="phase">Prefix of the Message-ID local part, keeping ids unique across runs of one process.</param>
    public async Task<LoadResult> RunAsync(int messageCount, int connections, string phase, CancellationToken cancellationToken)
    {
        _claimed = 0;
        _ok = 0;
        _failed = 0;
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, connections)
            .Select(_ => Task.Run(() => WorkAsync(messageCount, phase, cancellationToken), cancellationToken))
            .ToArray();
        var latencies = await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return new LoadResult(
            options.EffectiveLabel, connections, messageCount, options.Size, _ok, _failed, elapsed, [.. latencies.SelectMany(l => l)])
        {
            RecipientsPerMessage = options.Recipients,
        };
    }

    private async Task<List<double>> WorkAsync(int messageCount, string phase, CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        var sent = 0;
        SmtpConnection? connection = null;
        try
        {
            for (var number = Interlocked.Increment(ref _claimed); number <= messageCount; number = Interlocked.Increment(ref _claimed))
            {
                try
                {
                    connection ??= await ConnectAsync(cancellationToken);
                    latencies.Add(await SendAsync(connection, $"{phase}{number}", options.RecipientFor(number), cancellationToken));
                    Interlocked.Increment(ref _ok);
                    if (options.PerConnection > 0 && ++sent % options.PerConnection == 0)
                    {
                        // A new connection (and with --starttls a new handshake) after every PerConnection messages.
                        await QuitAsync(connection);
                        connection = null;
                    }
                }
                catch (SmtpReplyException ex)
                {
                    Fail(ex.Reply.Text);
                    if (connection is not null && (ex.ConnectionClosing || !await TryResetAsync(connection, cancellationToken)))
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
                catch (Exception ex) when (ex is IOException or SocketException or TimeoutException)
                {
                    Fail($"{ex.GetType().Name}: {ex.Message}");
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                await QuitAsync(connection);
            }
        }
        return latencies;
    }

    private void Fail(string error)
    {
        Interlocked.Increment(ref _failed);
        errors.Record(error);
    }

    private async Task<SmtpConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = await SmtpConnection.OpenAsync(options.Host, options.Port, options.Timeout, cancellationToken);
        try
        {
            Expect(await connection.CommandAsync($"EHLO {EhloName}", cancellationToken));
            if (options.StartTls)
            {
                await connection.StartTlsAsync(cancellationToken);
                Expect(await connection.CommandAsync($"EHLO {EhloName}", cancellationToken));
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// One transaction; returns the end-of-data latency in milliseconds, or with <see cref="BenchOptions.RcptOnly"/> the
    /// mean latency of its RCPT commands (then it ends with RSET instead of DATA).
    /// </summary>
    private async Task<double> SendAsync(SmtpConnection connection, string id, string recipient, CancellationToken cancellationToken)
    {
        Expect(await connection.CommandAsync($"MAIL FROM:<{options.From}>", cancellationToken));
        var rcptStarted = Stopwatch.GetTimestamp();
        for (var r = 1; r <= options.Recipients; r++)
        {
            Expect(await connection.CommandAsync($"RCPT TO:<{BenchOptions.NthRecipient(recipient, r)}>", cancellationToken));
        }
        if (options.RcptOnly)
        {
            var perRecipient = Stopwatch.GetElapsedTime(rcptStarted).TotalMilliseconds / options.Recipients;
            Expect(await connection.CommandAsync("RSET", cancellationToken));
            return perRecipient;
        }
        var data = await connection.CommandAsync("DATA", cancellationToken);
        if (data.Code != 354)
        {
            throw new SmtpReplyException(data);
        }
        await connection.WriteAsync(messages.HeaderFor(id), cancellationToken);
        await connection.WriteAsync(messages.Body, cancellationToken);
        var written = Stopwatch.GetTimestamp();
        await connection.WriteAsync(MessageFactory.Terminator, cancellationToken);
        var accepted = await connection.ReadReplyAsync(cancellationToken);
        var latency = Stopwatch.GetElapsedTime(written);
        Expect(accepted);
        return latency.TotalMilliseconds;
    }

    private static void Expect(SmtpReply reply)
    {
        if (!reply.IsPositiveCompletion)
        {
            throw new SmtpReplyException(reply);
        }
    }

    private static async Task<bool> TryResetAsync(SmtpConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            return (await connection.CommandAsync("RSET", cancellationToken)).IsPositiveCompletion;
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException)
        {
            return false;
        }
    }

    private static async Task QuitAsync(SmtpConnection connection)
    {
        try
        {
            await connection.CommandAsync("QUIT", CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException)
        {
            // The measured work is done; a server that drops the connection on QUIT is not an error here.
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }
}
