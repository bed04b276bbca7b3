using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// A byte-level POP3 client for tests that need to see exactly what the server puts on the wire: status
/// lines as text, multi-line responses as the raw (still dot-stuffed) octets. Every read is bounded by
/// <see cref="ReplyTimeout"/>, so a server that never answers fails the test instead of hanging it. It can
/// connect from any loopback source address (127.0.0.0/8), which lets one machine act as several client IPs.
/// </summary>
public sealed class Pop3RawClient : IDisposable
{
    /// <summary>Longest wait for any one line; generous because test classes run in parallel on a small machine.</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _chunk = new byte[64 * 1024];
    private byte[] _pending = new byte[64 * 1024];
    private int _start;
    private int _end;

    private Pop3RawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>The greeting line the server sent (without CRLF).</summary>
    public string Greeting { get; private set; } = "";

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/> from <paramref name="localAddress"/> (127.0.0.1 when null)
    /// and reads the greeting, which must be +OK.
    /// </summary>
    public static async Task<Pop3RawClient> ConnectAsync(int port, IPAddress? localAddress = null)
    {
        var tcp = new TcpClient(new IPEndPoint(localAddress ?? IPAddress.Loopback, 0)) { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(ReplyTimeout);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }

        var client = new Pop3RawClient(tcp);
        client.Greeting = await client.ReadLineAsync();
        Assert.StartsWith("+OK", client.Greeting);
        return client;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(ReplyTimeout);
        await _stream.FlushAsync();
    }

    /// <summary>Sends one command line (CRLF appended) and returns the status line of the response.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadLineAsync();
    }

    /// <summary>
    /// Sends a command whose +OK response is multi-line (LIST, UIDL, RETR, TOP, CAPA). Returns the status
    /// line and, after +OK, the octets between it and the terminating ".CRLF", still dot-stuffed.
    /// </summary>
    public async Task<(string Status, byte[] Wire)> MultiLineCommandAsync(string line)
    {
        var status = await CommandAsync(line);
        return status.StartsWith("+OK", StringComparison.Ordinal) ? (status, await ReadMultiLineAsync()) : (status, []);
    }

    /// <summary>USER then PASS; asserts both succeed (the maildrop is then locked by this session).</summary>
    public async Task LoginAsync(string user, string password)
    {
        Assert.Equal("+OK send PASS", await CommandAsync("USER " + user));
        var reply = await CommandAsync("PASS " + password);
        Assert.True(reply.StartsWith("+OK", StringComparison.Ordinal), $"login of {user} failed: {reply}");
    }

    /// <summary>USER then PASS; returns the reply to PASS, whatever it is.</summary>
    public async Task<string> TryLoginAsync(string user, string password)
    {
        Assert.Equal("+OK send PASS", await CommandAsync("USER " + user));
        return await CommandAsync("PASS " + password);
    }

    /// <summary>The lines of a multi-line LIST/UIDL response, split into number and value.</summary>
    public async Task<List<(int Number, string Value)>> ListingAsync(string command)
    {
        var (status, wire) = await MultiLineCommandAsync(command);
        Assert.True(status.StartsWith("+OK", StringComparison.Ordinal), $"{command}: {status}");
        var lines = Encoding.ASCII.GetString(wire).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        return [.. lines.Select(l => l.Split(' ')).Select(p => (int.Parse(p[0]), p[1]))];
    }

    /// <summary>Reads one line (without CRLF) as UTF-8. Throws IOException if the server closed first.</summary>
    public async Task<string> ReadLineAsync() => Encoding.UTF8.GetString(await ReadLineBytesAsync());

    /// <summary>Reads the data of a multi-line response up to, not including, the line "." (RFC 1939 §3).</summary>
    public async Task<byte[]> ReadMultiLineAsync()
    {
        using var data = new MemoryStream();
        while (true)
        {
            var line = await ReadLineBytesAsync();
            if (line is [(byte)'.'])
            {
                return data.ToArray();
            }

            data.Write(line);
            data.Write("\r\n"u8);
        }
    }

    /// <summary>Undoes RFC 1939 §3 byte-stuffing: a line that begins with "." loses that first ".".</summary>
    public static byte[] Unstuff(byte[] wire)
    {
        using var result = new MemoryStream();
        var atLineStart = true;
        for (var i = 0; i < wire.Length; i++)
        {
            if (atLineStart && wire[i] == (byte)'.')
            {
                atLineStart = false;
                continue;
            }

            result.WriteByte(wire[i]);
            atLineStart = wire[i] == (byte)'\n';
        }

        return result.ToArray();
    }

    /// <summary>True when the server closes the connection (EOF or reset) within <paramref name="timeout"/>; data before that is discarded.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(_chunk, cts.Token) == 0)
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

    private async Task<byte[]> ReadLineBytesAsync()
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        while (true)
        {
            var lf = Array.IndexOf(_pending, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                Assert.True(lf > _start && _pending[lf - 1] == (byte)'\r', "server line does not end in CRLF");
                var line = _pending[_start..(lf - 1)];
                _start = lf + 1;
                return line;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(_chunk, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no complete line from the server in {ReplyTimeout}");
            }

            if (read == 0)
            {
                throw new IOException("Connection closed by server. Pending: " + Encoding.UTF8.GetString(_pending, _start, _end - _start));
            }

            Append(_chunk.AsSpan(0, read));
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_end + bytes.Length > _pending.Length)
        {
            var kept = _end - _start;
            var grown = new byte[Math.Max(_pending.Length, (kept + bytes.Length) * 2)];
            Array.Copy(_pending, _start, grown, 0, kept);
            _pending = grown;
            _start = 0;
            _end = kept;
        }

        bytes.CopyTo(_pending.AsSpan(_end));
        _end += bytes.Length;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
