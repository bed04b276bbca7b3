using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// A POP3 client that reads only when told to, over a socket with a small receive buffer (fixed before the
/// connection is made, so the kernel does not grow it): after a RETR it can simply stop reading, and the
/// server's writes stall within a few megabytes. It may also half-close (shutdown(SHUT_WR), as
/// <c>nc -N</c> does). Every wait is bounded by <see cref="Pop3RawClient.ReplyTimeout"/>.
/// </summary>
public sealed class Pop3SlowReader : IDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _pending = [];
    private readonly byte[] _chunk = new byte[64 * 1024];

    private Pop3SlowReader(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>Connects from <paramref name="localAddress"/> (127.0.0.1 when null) without reading anything.</summary>
    public static async Task<Pop3SlowReader> ConnectAsync(int port, IPAddress? localAddress = null, int receiveBufferSize = 4096)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = receiveBufferSize };
        try
        {
            socket.Bind(new IPEndPoint(localAddress ?? IPAddress.Loopback, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Pop3RawClient.ReplyTimeout);
            return new Pop3SlowReader(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects, reads the greeting and logs in with USER/PASS; asserts both succeed.</summary>
    public static async Task<Pop3SlowReader> LoginAsync(int port, string user, string password, IPAddress? localAddress = null)
    {
        var client = await ConnectAsync(port, localAddress);
        try
        {
            Assert.StartsWith("+OK", await client.ReadLineAsync());
            await client.SendAsync($"USER {user}\r\nPASS {password}\r\n");
            Assert.Equal("+OK send PASS", await client.ReadLineAsync());
            Assert.StartsWith("+OK", await client.ReadLineAsync());
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async Task SendAsync(string text) =>
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text).AsMemory(), SocketFlags.None).AsTask().WaitAsync(Pop3RawClient.ReplyTimeout);

    /// <summary>shutdown(SHUT_WR): the server sees end of input; replies can still come back.</summary>
    public void HalfClose() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>One line without CRLF; throws IOException if the server closed first.</summary>
    public async Task<string> ReadLineAsync()
    {
        while (true)
        {
            var lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString([.. _pending.Take(lf)]).TrimEnd('\r');
                _pending.RemoveRange(0, lf + 1);
                return line;
            }

            if (await ReceiveAsync(Pop3RawClient.ReplyTimeout) == 0)
            {
                throw new IOException("Connection closed by server. Pending: " + Encoding.UTF8.GetString([.. _pending]));
            }
        }
    }

    /// <summary>
    /// The data of a multi-line response through its terminating ".CRLF", which must be the last thing the
    /// server sent; returned unstuffed, without the terminator.
    /// </summary>
    public async Task<byte[]> ReadMultiLineAsync()
    {
        using var data = new MemoryStream();
        data.Write([.. _pending]);
        _pending.Clear();
        while (!EndsWithTerminator(data))
        {
            if (await ReceiveAsync(Pop3RawClient.ReplyTimeout) == 0)
            {
                throw new IOException($"Connection closed by server after {data.Length} octets of a multi-line response");
            }

            data.Write([.. _pending]);
            _pending.Clear();
        }

        return Pop3RawClient.Unstuff(data.ToArray()[..^3]);
    }

    /// <summary>Everything the server still sends until it closes (EOF or reset), as text; fails if it does not close within <paramref name="within"/>.</summary>
    public async Task<string> ReadToCloseAsync(TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await ReceiveAsync(within - clock.Elapsed) > 0)
        {
        }

        var text = Encoding.Latin1.GetString([.. _pending]);
        _pending.Clear();
        return text;
    }

    /// <summary>Reads until the server closes and counts the octets; (count, true) if it closed within <paramref name="within"/>.</summary>
    public async Task<(long Octets, bool Closed)> DrainAsync(TimeSpan within)
    {
        var total = (long)_pending.Count;
        _pending.Clear();
        using var timeout = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(_chunk, timeout.Token);
                if (read == 0)
                {
                    return (total, true);
                }

                total += read;
            }
        }
        catch (OperationCanceledException)
        {
            return (total, false);
        }
        catch (SocketException)
        {
            return (total, true);
        }
    }

    /// <summary>Reads nothing for <paramref name="idle"/>, then drains like <see cref="DrainAsync"/>.</summary>
    public async Task<(long Octets, bool Closed)> DrainAfterAsync(TimeSpan idle, TimeSpan within)
    {
        await Task.Delay(idle);
        return await DrainAsync(within);
    }

    private static bool EndsWithTerminator(MemoryStream data)
    {
        var span = data.GetBuffer().AsSpan(0, (int)data.Length);
        return span.SequenceEqual(".\r\n"u8) || span.EndsWith("\r\n.\r\n"u8);
    }

    private async Task<int> ReceiveAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within > TimeSpan.Zero ? within : TimeSpan.Zero);
        int read;
        try
        {
            read = await _socket.ReceiveAsync(_chunk, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"nothing from the server within {within}");
        }
        catch (SocketException)
        {
            return 0;
        }

        _pending.AddRange(_chunk.AsSpan(0, read));
        return read;
    }

    public void Dispose() => _socket.Dispose();
}
