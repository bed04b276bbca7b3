using System.Net.Sockets;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// A byte-level SMTP client for tests that need exact control of what goes on the wire (malformed input,
/// partial DATA, pipelining). Reads whole replies, multi-line included.
/// </summary>
public sealed class RawSmtpClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly StringBuilder _pending = new();

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _stream.ReadTimeout = 30_000;
    }

    /// <summary>Connects to <paramref name="server"/> (127.0.0.1 by default); <paramref name="localAddress"/> picks the client address (any 127.0.0.0/8 address works on Linux).</summary>
    public static async Task<RawSmtpClient> ConnectAsync(int port, bool readGreeting = true, System.Net.IPAddress? localAddress = null, System.Net.IPAddress? server = null)
    {
        server ??= System.Net.IPAddress.Loopback;
        var tcp = new TcpClient(server.AddressFamily) { NoDelay = true };
        if (localAddress is not null)
        {
            tcp.Client.Bind(new System.Net.IPEndPoint(localAddress, 0));
        }

        await tcp.ConnectAsync(server, port);
        var client = new RawSmtpClient(tcp);
        if (readGreeting)
        {
            var greeting = await client.ReadReplyAsync();
            Assert.StartsWith("220 ", greeting);
        }

        return client;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends one command line (CRLF appended) and returns the full reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads one complete reply; lines joined with '\n'. Throws IOException if the server closed first.</summary>
    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("Connection closed by server. Got: " + string.Join("\n", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join("\n", lines);
            }
        }
    }

    /// <summary>True when the server has closed the connection (reads EOF within the timeout).</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(_buffer, cts.Token);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var text = _pending.ToString();
            var newline = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (newline >= 0)
            {
                _pending.Remove(0, newline + 2);
                return text[..newline];
            }

            var read = await _stream.ReadAsync(_buffer);
            if (read == 0)
            {
                return null;
            }

            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, read));
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
