using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace EmailAI.Bench;

/// <summary>
/// Drives one run: one concurrent session per account (session i logs in as account i with USER/PASS), STAT, then for
/// every message n = 1..count: RETR n (the whole multi-line response read and counted) and DELE n, one command at a
/// time, then QUIT, which commits the deletions. The clock runs from before the first connect to the last QUIT reply.
/// A -ERR to RETR or DELE is an error and the session goes on with the next message; a -ERR to the greeting, USER,
/// PASS or STAT, and any I/O failure or timeout, is an error that ends the session (no reconnect: its deletions are
/// then not committed and its remaining messages not retrieved).
/// </summary>
internal sealed class Pop3LoadRunner(Pop3Options options, ErrorLog errors)
{
    private long _listed;
    private long _retrieved;
    private long _deleted;
    private long _bytes;
    private int _failed;
    private int _quitOk;

    public async Task<Pop3Result> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sessions = Enumerable.Range(0, options.Accounts)
            .Select(index => Task.Run(() => SessionAsync(index, cancellationToken), cancellationToken))
            .ToArray();
        var latencies = await Task.WhenAll(sessions);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return new Pop3Result(
            options.EffectiveLabel, options.Accounts, _listed, _retrieved, _deleted, _bytes, _failed, _quitOk, elapsed,
            [.. latencies.SelectMany(l => l.Retr)], [.. latencies.Where(l => l.QuitMs is not null).Select(l => l.QuitMs!.Value)]);
    }

    /// <summary>One account's session; returns its per-RETR latencies and its QUIT latency (null without a QUIT reply), in milliseconds.</summary>
    private async Task<(List<double> Retr, double? QuitMs)> SessionAsync(int index, CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        double? quitMs = null;
        Pop3Connection? connection = null;
        try
        {
            connection = await Pop3Connection.OpenAsync(options.Host, options.Port, options.Timeout, cancellationToken);
            Expect("USER", await connection.CommandAsync($"USER {options.UserFor(index)}", cancellationToken));
            Expect("PASS", await connection.CommandAsync($"PASS {options.Password}", cancellationToken));
            var count = ParseStat(Expect("STAT", await connection.CommandAsync("STAT", cancellationToken)));
            Interlocked.Add(ref _listed, count);

            for (var number = 1; number <= count; number++)
            {
                var sent = Stopwatch.GetTimestamp();
                var (retrieved, octets) = await connection.RetrieveAsync(number, cancellationToken);
                if (!retrieved.IsOk)
                {
                    Fail($"RETR: {retrieved.Text}");
                    continue;
                }
                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                Interlocked.Increment(ref _retrieved);
                Interlocked.Add(ref _bytes, octets);

                var deleted = await connection.CommandAsync($"DELE {number}", cancellationToken);
                if (deleted.IsOk)
                {
                    Interlocked.Increment(ref _deleted);
                }
                else
                {
                    Fail($"DELE: {deleted.Text}");
                }
            }

            var quitSent = Stopwatch.GetTimestamp();
            var quit = await connection.CommandAsync("QUIT", cancellationToken);
            quitMs = Stopwatch.GetElapsedTime(quitSent).TotalMilliseconds;
            if (quit.IsOk)
            {
                Interlocked.Increment(ref _quitOk);
            }
            else
            {
                Fail($"QUIT: {quit.Text}");
            }
        }
        catch (Pop3ReplyException ex)
        {
            Fail(ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException)
        {
            Fail($"{ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
        return (latencies, quitMs);
    }

    private void Fail(string error)
    {
        Interlocked.Increment(ref _failed);
        errors.Record(error);
    }

    private static Pop3Reply Expect(string command, Pop3Reply reply) =>
        reply.IsOk ? reply : throw new Pop3ReplyException(command, reply);

    /// <summary>"+OK nn mm" (RFC 1939 §5): the message count.</summary>
    private static int ParseStat(Pop3Reply reply)
    {
        var parts = reply.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new IOException($"malformed STAT response: '{reply.Text}'");
    }
}
