using System.Net.Sockets;
using System.Text;

namespace EmailAI.Bench;

/// <summary>
/// A minimal POP3 client connection over a raw socket: one command at a time (no pipelining). Status lines are read
/// line by line; a multi-line response (RETR) is scanned for its terminating "." line and only counted, not kept or
/// un-dot-stuffed. Not thread-safe. Each connect and each response read is bounded by the timeout given at open;
/// a timeout surfaces as <see cref="TimeoutException"/>.
/// </summary>
internal sealed class Pop3Connection : IAsyncDisposable
{
    /// <summary>RFC 1939 allows 512 octets per status line; be lenient with long -ERR texts.</summary>
    private const int MaxStatusLine = 4096;
    private const int BufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly TimeSpan _timeout;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;

    private Pop3Connection(Socket socket, TimeSpan timeout)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _timeout = timeout;
    }

    /// <summary>Connects (Nagle off) and consumes the greeting; throws <see cref="Pop3ReplyException"/> unless it is +OK.</summary>
    public static async Task<Pop3Connection> OpenAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = await BenchSocket.ConnectAsync(host, port, timeout, cancellationToken);
        var connection = new Pop3Connection(socket, timeout);
        try
        {
            var greeting = await connection.ReadStatusAsync(cancellationToken);
            if (!greeting.IsOk)
            {
                throw new Pop3ReplyException("greeting", greeting);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends one command line (CRLF appended) and returns the server's single-line status.</summary>
    public async Task<Pop3Reply> CommandAsync(string line, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), cancellationToken);
        return await ReadStatusAsync(cancellationToken);
    }

    /// <summary>
    /// Sends <c>RETR number</c>. On +OK reads the whole multi-line response and returns the octets between the status
    /// line and the terminating ".CRLF" (as on the wire: CRLFs and stuffing dots included); on -ERR returns 0 octets.
    /// The timeout bounds the whole response.
    /// </summary>
    public async Task<(Pop3Reply Reply, long Octets)> RetrieveAsync(int number, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"RETR {number}\r\n"), cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            var reply = await ReadStatusLineAsync(deadline.Token);
            return reply.IsOk ? (reply, await ReadMultiLineBodyAsync(deadline.Token)) : (reply, 0);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"RETR {number}: response not complete within {_timeout.TotalSeconds:0}s");
        }
    }

    /// <summary>Reads one status line (+OK / -ERR).</summary>
    public async Task<Pop3Reply> ReadStatusAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            return await ReadStatusLineAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no POP3 response within {_timeout.TotalSeconds:0}s");
        }
    }

    private async Task<Pop3Reply> ReadStatusLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == '\r')
                {
                    length--;
                }
                var line = Encoding.ASCII.GetString(_buffer, _start, length);
                _start = newline + 1;
                if (line.StartsWith("+OK", StringComparison.Ordinal))
                {
                    return new Pop3Reply(true, line);
                }
                if (line.StartsWith("-ERR", StringComparison.Ordinal))
                {
                    return new Pop3Reply(false, line);
                }
                throw new IOException($"malformed POP3 status line: '{(line.Length > 80 ? line[..80] + "..." : line)}'");
            }
            if (_end - _start >= MaxStatusLine)
            {
                throw new IOException($"POP3 status line longer than {MaxStatusLine} bytes");
            }
            await FillAsync(cancellationToken);
        }
    }

    /// <summary>Consumes lines up to and including the "." line; returns the octets before it.</summary>
    private async Task<long> ReadMultiLineBodyAsync(CancellationToken cancellationToken)
    {
        long octets = 0;
        var atLineStart = true;
        while (true)
        {
            while (_start < _end)
            {
                var pending = _buffer.AsSpan(_start, _end - _start);
                var newline = pending.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    // A partial line: keep a possible terminator prefix ("." or ".\r") for the next read, count the rest.
                    if (atLineStart && pending.Length < 3 && pending[0] == '.')
                    {
                        break;
                    }
                    octets += pending.Length;
                    _start = _end;
                    atLineStart = false;
                    break;
                }
                var line = pending[..(newline + 1)];
                _start += line.Length;
                if (atLineStart && (line.SequenceEqual(".\r\n"u8) || line.SequenceEqual(".\n"u8)))
                {
                    return octets;
                }
                octets += line.Length;
                atLineStart = true;
            }
            await FillAsync(cancellationToken);
        }
    }

    /// <summary>Moves unread bytes to the front and reads more; throws if the server closed the connection.</summary>
    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            throw new IOException("connection closed by server");
        }
        _end += read;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
