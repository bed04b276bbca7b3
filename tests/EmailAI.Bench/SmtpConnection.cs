using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace EmailAI.Bench;

/// <summary>
/// A minimal SMTP client connection over a raw socket: one command at a time (no PIPELINING),
/// replies read line by line until the last line of a multi-line reply. Not thread-safe.
/// Each connect and each reply read is bounded by the timeout given at open; a timeout surfaces as <see cref="TimeoutException"/>.
/// </summary>
internal sealed class SmtpConnection : IAsyncDisposable
{
    private const int MaxReplyLine = 4096;

    private readonly Socket _socket;
    private Stream _stream;
    private readonly TimeSpan _timeout;
    private readonly byte[] _buffer = new byte[MaxReplyLine];
    private int _start;
    private int _end;

    private SmtpConnection(Socket socket, TimeSpan timeout)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _timeout = timeout;
    }

    /// <summary>Connects (Nagle off) and consumes the 220 greeting; throws <see cref="SmtpReplyException"/> for any other greeting.</summary>
    public static async Task<SmtpConnection> OpenAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = await BenchSocket.ConnectAsync(host, port, timeout, cancellationToken);
        var connection = new SmtpConnection(socket, timeout);
        try
        {
            var greeting = await connection.ReadReplyAsync(cancellationToken);
            if (greeting.Code != 220)
            {
                throw new SmtpReplyException(greeting);
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
    /// STARTTLS (RFC 3207): expects 220, then runs the client handshake (any server certificate is accepted: the bench
    /// measures the server's cost, not the PKI) and continues over TLS. The caller sends EHLO again.
    /// </summary>
    public async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        var reply = await CommandAsync("STARTTLS", cancellationToken);
        if (reply.Code != 220)
        {
            throw new SmtpReplyException(reply);
        }

        if (_start != _end)
        {
            throw new IOException("the server sent data after its 220 to STARTTLS");
        }

        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "bench.local" }, deadline.Token);
        _stream = ssl;
    }

    /// <summary>Sends one command line (CRLF appended) and returns the server's reply.</summary>
    public async Task<SmtpReply> CommandAsync(string line, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), cancellationToken);
        return await ReadReplyAsync(cancellationToken);
    }

    /// <summary>Writes raw bytes (message content during DATA) without reading a reply.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        _stream.WriteAsync(bytes, cancellationToken);

    /// <summary>Reads one complete reply; lines of a multi-line reply are joined with " | ".</summary>
    public async Task<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            var text = new StringBuilder();
            while (true)
            {
                var line = await ReadLineAsync(deadline.Token);
                if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out var code))
                {
                    throw new IOException($"malformed SMTP reply line: '{line}'");
                }
                text.Append(text.Length == 0 ? "" : " | ").Append(line);
                if (line.Length == 3 || line[3] != '-')
                {
                    return new SmtpReply(code, text.ToString());
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no SMTP reply within {_timeout.TotalSeconds:0}s");
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
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
                return line;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                throw new IOException($"SMTP reply line longer than {MaxReplyLine} bytes");
            }
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                throw new IOException("connection closed by server");
            }
            _end += read;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
