using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// A byte-level SMTP client for tests that need exact control of what goes on the wire (malformed input,
/// partial DATA, pipelining, STARTTLS by hand). Reads whole replies, multi-line included. Lines are split
/// on CRLF in bytes, so a multi-byte character split across reads is decoded whole. Every read and write
/// gives up after <see cref="Timeout"/>.
/// </summary>
public sealed class RawSmtpClient : IDisposable
{
    /// <summary>Longest wait for one read or write.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TcpClient _tcp;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly List<byte> _pending = [];
    private Stream _stream;

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Connects to <paramref name="server"/> (127.0.0.1 by default); <paramref name="localAddress"/> picks the client address (any 127.0.0.0/8 address works on Linux).</summary>
    public static async Task<RawSmtpClient> ConnectAsync(int port, bool readGreeting = true, IPAddress? localAddress = null, IPAddress? server = null)
    {
        server ??= IPAddress.Loopback;
        var tcp = new TcpClient(server.AddressFamily) { NoDelay = true };
        if (localAddress is not null)
        {
            tcp.Client.Bind(new IPEndPoint(localAddress, 0));
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
        using var expiry = new CancellationTokenSource(Timeout);
        await _stream.WriteAsync(bytes, expiry.Token);
        await _stream.FlushAsync(expiry.Token);
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

    /// <summary>Reads one CRLF-terminated line without the CRLF; null when the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync()
    {
        using var expiry = new CancellationTokenSource(Timeout);
        while (true)
        {
            for (var i = 1; i < _pending.Count; i++)
            {
                if (_pending[i - 1] == '\r' && _pending[i] == '\n')
                {
                    var line = Encoding.UTF8.GetString([.. _pending.GetRange(0, i - 1)]);
                    _pending.RemoveRange(0, i + 1);
                    return line;
                }
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer, expiry.Token);
            }
            catch (IOException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            _pending.AddRange(_buffer.AsSpan(0, read));
        }
    }

    /// <summary>After a 220 to STARTTLS: the TLS handshake (any certificate accepted); nothing may be left unread.</summary>
    public async Task UpgradeToTlsAsync()
    {
        Assert.Empty(_pending);
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var expiry = new CancellationTokenSource(Timeout);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, expiry.Token);
        _stream = ssl;
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

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
