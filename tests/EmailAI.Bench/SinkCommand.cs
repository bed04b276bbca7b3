using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace EmailAI.Bench;

/// <summary>
/// <c>sink</c>: an SMTP server that accepts all mail, answering the end of DATA after <see cref="SinkOptions.Delay"/>
/// (a slow remote MX for relay benchmarks). It counts messages, recipients and connections; the status line is served
/// over a tiny HTTP endpoint and/or rewritten into a file (see <see cref="SinkOptions.Usage"/>), and printed on exit.
/// Runs until SIGINT/SIGTERM. Exit code: 0 after a signal, 2 usage, 1 when it cannot listen.
/// </summary>
internal static class SinkCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        SinkOptions options;
        try
        {
            options = SinkOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(SinkOptions.Usage);
            return 2;
        }

        // Hundreds of connections wait in Task.Delay at once; keep enough threads ready that the accept loop and
        // the timers never wait for thread-pool growth.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), io);

        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });

        var stats = new SinkStats();
        var address = IPAddress.Parse(options.Host);
        var smtp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        Socket? status = null;
        try
        {
            smtp.Bind(new IPEndPoint(address, options.Port));
            smtp.Listen(options.Backlog);
            if (options.StatusPort > 0)
            {
                status = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                status.Bind(new IPEndPoint(address, options.StatusPort));
                status.Listen(64);
            }
        }
        catch (SocketException ex)
        {
            Console.Error.WriteLine($"sink: cannot listen: {ex.Message}");
            smtp.Dispose();
            status?.Dispose();
            return 1;
        }

        Console.Error.WriteLine(
            $"sink: SMTP on {options.Host}:{options.Port}, delay {options.Delay.TotalMilliseconds:0} ms" +
            (status is null ? "" : $", status on http://{options.Host}:{options.StatusPort}/status") +
            (options.StatusFile is null ? "" : $", status file {options.StatusFile}"));

        var loops = new List<Task> { AcceptSmtpAsync(smtp, options, stats, stopping.Token) };
        if (status is not null)
        {
            loops.Add(AcceptStatusAsync(status, stats, stopping.Token));
        }

        if (options.StatusFile is not null)
        {
            loops.Add(WriteStatusFileAsync(options.StatusFile, stats, stopping.Token));
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }

        smtp.Dispose();
        status?.Dispose();
        await Task.WhenAll(loops);
        if (options.StatusFile is not null)
        {
            WriteStatusFile(options.StatusFile, stats);
        }

        Console.WriteLine(stats.StatusLine());
        return 0;
    }

    private static async Task AcceptSmtpAsync(Socket listener, SinkOptions options, SinkStats stats, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                continue; // reset while in the backlog
            }

            socket.NoDelay = true;
            _ = ServeAsync(socket, options, stats, cancellationToken);
        }
    }

    private static async Task ServeAsync(Socket socket, SinkOptions options, SinkStats stats, CancellationToken cancellationToken)
    {
        // Off the accept loop at once.
        await Task.Yield();
        stats.ConnectionOpened();
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            await new SinkSession(stream, options, stats).RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away (or the sink is stopping): the session just ends.
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"sink: session failed: {ex}");
        }
        finally
        {
            stats.ConnectionClosed();
        }
    }

    /// <summary>HTTP/1.0, one request per connection: /status, /reset, /domains.</summary>
    private static async Task AcceptStatusAsync(Socket listener, SinkStats stats, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = AnswerStatusAsync(socket, stats, cancellationToken);
        }
    }

    private static async Task AnswerStatusAsync(Socket socket, SinkStats stats, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(5));
            var request = new byte[4096];
            var length = 0;
            while (length < request.Length)
            {
                var read = await stream.ReadAsync(request.AsMemory(length), deadline.Token);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (request.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0 || request.AsSpan(0, length).IndexOf("\n\n"u8) >= 0)
                {
                    break;
                }
            }

            var firstLine = Encoding.ASCII.GetString(request, 0, length).Split('\n')[0].Trim();
            var parts = firstLine.Split(' ');
            var path = parts.Length >= 2 ? parts[1] : "";
            var (code, body) = path switch
            {
                "/" or "/status" => ("200 OK", stats.StatusLine() + "\n"),
                "/reset" => ("200 OK", ResetAndReport(stats)),
                "/domains" => ("200 OK", stats.DomainLines()),
                _ => ("404 Not Found", "paths: /status /reset /domains\n"),
            };
            var bytes = Encoding.ASCII.GetBytes(body);
            var head = Encoding.ASCII.GetBytes(
                $"HTTP/1.0 {code}\r\nContent-Type: text/plain\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(head, deadline.Token);
            await stream.WriteAsync(bytes, deadline.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static string ResetAndReport(SinkStats stats)
    {
        var line = stats.StatusLine();
        stats.Reset();
        return line + "\n";
    }

    private static async Task WriteStatusFileAsync(string path, SinkStats stats, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            do
            {
                WriteStatusFile(path, stats);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void WriteStatusFile(string path, SinkStats stats)
    {
        try
        {
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, stats.StatusLine() + "\n");
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"sink: cannot write {path}: {ex.Message}");
        }
    }
}
