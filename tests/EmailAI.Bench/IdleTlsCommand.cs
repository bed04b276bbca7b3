using System.Diagnostics;
using System.Globalization;

namespace EmailAI.Bench;

/// <summary>
/// <c>idle-tls</c>: opens many SMTP sessions that each do EHLO, STARTTLS and EHLO again (with <c>--plain</c> no
/// STARTTLS, for the baseline), then leaves them idle, and
/// reports the server's resident memory (VmRSS from /proc/PID/status) before the first session and once all are
/// open, and the difference per session. At most <c>--parallel</c> handshakes run at once, so the server is not
/// measured while flooded. Exit code 0 when every session was opened.
/// </summary>
internal static class IdleTlsCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var host = "127.0.0.1";
        var port = 0;
        var sessions = 10_000;
        var parallel = 32;
        var hold = TimeSpan.FromSeconds(5);
        var pid = 0;
        var plain = false;
        for (var i = 1; i < args.Length; i += 2)
        {
            if (args[i] == "--plain")
            {
                // The same sessions without STARTTLS: the baseline the TLS cost is read against.
                plain = true;
                i--;
                continue;
            }

            var value = i + 1 < args.Length ? args[i + 1] : "";
            switch (args[i])
            {
                case "--host": host = value; break;
                case "--port": port = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--sessions": sessions = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--parallel": parallel = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--hold": hold = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
                case "--server-pid": pid = int.Parse(value, CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}\n{BenchOptions.Usage}");
                    return 2;
            }
        }

        if (port == 0 || pid == 0)
        {
            Console.Error.WriteLine("idle-tls needs --port and --server-pid");
            return 2;
        }

        var before = RssKiB(pid);
        var open = new System.Collections.Concurrent.ConcurrentBag<SmtpConnection>();
        var failed = 0;
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(parallel);
        var tasks = Enumerable.Range(0, sessions).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var connection = await SmtpConnection.OpenAsync(host, port, TimeSpan.FromSeconds(60), CancellationToken.None);
                await connection.CommandAsync("EHLO idle.bench", CancellationToken.None);
                if (!plain)
                {
                    await connection.StartTlsAsync(CancellationToken.None);
                }

                var ehlo = await connection.CommandAsync("EHLO idle.bench", CancellationToken.None);
                if (ehlo.Code != 250)
                {
                    throw new SmtpReplyException(ehlo);
                }

                open.Add(connection);
            }
            catch (Exception ex)
            {
                if (Interlocked.Increment(ref failed) <= 5)
                {
                    Console.Error.WriteLine($"  session failed: {ex.GetType().Name}: {ex.Message}");
                }
            }
            finally
            {
                gate.Release();
            }
        }).ToArray();
        await Task.WhenAll(tasks);
        var opened = clock.Elapsed;
        await Task.Delay(hold);
        var after = RssKiB(pid);
        var perSession = open.IsEmpty ? 0 : (after - before) * 1024.0 / open.Count;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"idle-{(plain ? "plain" : "tls")} sessions={open.Count} failed={failed} opened_in={opened.TotalSeconds:0.0}s rss_before={before / 1024.0:0}MiB rss_after={after / 1024.0:0}MiB per_session={perSession / 1024:0.0}KiB"));
        foreach (var connection in open)
        {
            await connection.DisposeAsync();
        }

        return failed == 0 ? 0 : 1;
    }

    private static long RssKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }
}
