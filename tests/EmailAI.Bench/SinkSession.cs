using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace EmailAI.Bench;

/// <summary>
/// One SMTP server session of the <c>sink</c>: accepts every sender and recipient, and every message after
/// <see cref="SinkOptions.Delay"/>. Supports PIPELINING (RFC 2920): replies are buffered and flushed only when no
/// complete command is left in the input, so a pipelined group gets its replies in one write. The DATA content is
/// scanned in place in the pipe's pooled buffers (nothing is copied but the Message-ID header); dot-stuffing is
/// undone for the byte count. Not thread-safe: one task per connection.
/// </summary>
internal sealed class SinkSession(Stream stream, SinkOptions options, SinkStats stats)
{
    private const int MaxCommandLine = 4096;
    private const int MaxHeaderLine = 64 * 1024;
    private const string Name = "sink.bench.local";

    private static readonly byte[] s_greeting = Encoding.ASCII.GetBytes($"220 {Name} ESMTP EmailAI.Bench sink\r\n");
    private static readonly byte[] s_ok = "250 2.0.0 OK\r\n"u8.ToArray();
    private static readonly byte[] s_mailOk = "250 2.1.0 OK\r\n"u8.ToArray();
    private static readonly byte[] s_rcptOk = "250 2.1.5 OK\r\n"u8.ToArray();
    private static readonly byte[] s_startData = "354 End data with <CR><LF>.<CR><LF>\r\n"u8.ToArray();
    private static readonly byte[] s_bye = "221 2.0.0 Bye\r\n"u8.ToArray();
    private static readonly byte[] s_tooLong = "500 5.5.6 Line too long\r\n"u8.ToArray();
    private static readonly byte[] s_unknown = "502 5.5.1 Command not implemented\r\n"u8.ToArray();
    private static readonly byte[] s_nestedMail = "503 5.5.1 Sender already given\r\n"u8.ToArray();
    private static readonly byte[] s_needMail = "503 5.5.1 Need MAIL first\r\n"u8.ToArray();
    private static readonly byte[] s_needRcpt = "503 5.5.1 Need RCPT first\r\n"u8.ToArray();
    private static readonly byte[] s_vrfy = "252 2.5.0 Cannot VRFY, but will accept\r\n"u8.ToArray();
    private static readonly byte[] s_helo = Encoding.ASCII.GetBytes($"250 {Name}\r\n");

    private readonly PipeReader _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
    private readonly PipeWriter _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    private readonly byte[] _ehlo = Encoding.ASCII.GetBytes(
        $"250-{Name}\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 SIZE {options.MaxSize}\r\n");

    private bool _unflushed;

    // Transaction state.
    private bool _haveMail;
    private string? _domain;
    private int _recipients;

    // DATA state.
    private bool _inData;
    private bool _atLineStart;
    private bool _inHeader;
    private long _bytes;
    private string? _messageId;

    // Command state: an over-long line is refused once and skipped up to its LF.
    private bool _discarding;

    private enum Step
    {
        NeedMore,
        EndOfData,
        Quit,
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            Write(s_greeting);
            while (true)
            {
                if (_unflushed)
                {
                    _unflushed = false;
                    await _writer.FlushAsync(cancellationToken);
                }

                var result = await _reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                var step = Process(ref buffer);
                if (step == Step.NeedMore)
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        return;
                    }

                    continue;
                }

                // Leave what follows unexamined: the next ReadAsync returns it at once.
                _reader.AdvanceTo(buffer.Start);
                if (step == Step.Quit)
                {
                    await _writer.FlushAsync(cancellationToken);
                    return;
                }

                await FinishMessageAsync(cancellationToken);
            }
        }
        finally
        {
            EndTransaction();
            await _reader.CompleteAsync();
            await _writer.CompleteAsync();
        }
    }

    /// <summary>The slow remote MX: wait, count, then 250.</summary>
    private async Task FinishMessageAsync(CancellationToken cancellationToken)
    {
        // Anything still buffered (there should be nothing) goes out before the wait.
        if (_unflushed)
        {
            _unflushed = false;
            await _writer.FlushAsync(cancellationToken);
        }

        if (options.Delay > TimeSpan.Zero)
        {
            await Task.Delay(options.Delay, cancellationToken);
        }

        stats.MessageAccepted(_domain ?? "", _recipients, _bytes, _messageId);
        Write(s_ok);
        EndTransaction();
    }

    /// <summary>Consumes complete lines from <paramref name="buffer"/>, writing replies, until input runs out, a message ends or QUIT.</summary>
    private Step Process(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                // No complete line. Body content without a line end is consumed as it comes (it cannot be the
                // terminator unless it is a lone "." or ".\r" at a line start); header lines are awaited whole so the
                // Message-ID is read complete; a command that long is refused.
                if (_inData && buffer.Length > 2 && (!_inHeader || buffer.Length > MaxHeaderLine))
                {
                    CountContent(buffer, complete: false);
                    buffer = buffer.Slice(buffer.End);
                }
                else if (!_inData && buffer.Length > MaxCommandLine)
                {
                    if (!_discarding)
                    {
                        Write(s_tooLong);
                        _discarding = true;
                    }

                    buffer = buffer.Slice(buffer.End);
                }

                return Step.NeedMore;
            }

            buffer = buffer.Slice(reader.Position);
            if (_inData)
            {
                if (_atLineStart && IsTerminator(line))
                {
                    _inData = false;
                    return Step.EndOfData;
                }

                CountContent(line, complete: true);
                continue;
            }

            if (_discarding)
            {
                _discarding = false;
                continue;
            }

            if (line.Length > MaxCommandLine)
            {
                Write(s_tooLong);
                continue;
            }

            if (Command(line))
            {
                return Step.Quit;
            }
        }
    }

    private static bool IsTerminator(ReadOnlySequence<byte> line)
    {
        if (line.Length is < 1 or > 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[2];
        line.CopyTo(bytes);
        return bytes[0] == '.' && (line.Length == 1 || bytes[1] == '\r');
    }

    /// <summary>Counts content bytes (a line, LF excluded, or a partial line) and picks out the Message-ID header.</summary>
    private void CountContent(ReadOnlySequence<byte> chunk, bool complete)
    {
        var length = chunk.Length;
        var reader = new SequenceReader<byte>(chunk);
        if (_atLineStart && reader.TryPeek(out var first) && first == '.')
        {
            length--; // dot-stuffing
        }

        if (_atLineStart && _inHeader && complete)
        {
            InspectHeaderLine(chunk);
        }

        _bytes += length + (complete ? 1 : 0);
        _atLineStart = complete;
    }

    private void InspectHeaderLine(ReadOnlySequence<byte> line)
    {
        var span = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (span.Length > 0 && span[^1] == '\r')
        {
            span = span[..^1];
        }

        if (span.Length == 0)
        {
            _inHeader = false;
            return;
        }

        const string header = "Message-ID:";
        if (span.Length > header.Length && Ascii.EqualsIgnoreCase(span[..header.Length], header))
        {
            _messageId = Encoding.ASCII.GetString(span[header.Length..]).Trim();
        }
    }

    /// <summary>Handles one command line; true for QUIT.</summary>
    private bool Command(ReadOnlySequence<byte> lineBytes)
    {
        var line = Encoding.ASCII.GetString(lineBytes).TrimEnd('\r');
        var space = line.IndexOf(' ');
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        switch (verb)
        {
            case "EHLO":
                EndTransaction();
                Write(_ehlo);
                return false;
            case "HELO":
                EndTransaction();
                Write(s_helo);
                return false;
            case "MAIL":
                if (_haveMail)
                {
                    Write(s_nestedMail);
                    return false;
                }

                _haveMail = true;
                Write(s_mailOk);
                return false;
            case "RCPT":
                if (!_haveMail)
                {
                    Write(s_needMail);
                    return false;
                }

                if (_recipients++ == 0)
                {
                    _domain = DomainOf(line);
                    stats.TransactionStarted(_domain);
                }

                Write(s_rcptOk);
                return false;
            case "DATA":
                if (_recipients == 0)
                {
                    Write(_haveMail ? s_needRcpt : s_needMail);
                    return false;
                }

                _inData = true;
                _atLineStart = true;
                _inHeader = true;
                _bytes = 0;
                _messageId = null;
                Write(s_startData);
                return false;
            case "RSET":
                EndTransaction();
                Write(s_ok);
                return false;
            case "NOOP":
                Write(s_ok);
                return false;
            case "VRFY":
                Write(s_vrfy);
                return false;
            case "QUIT":
                EndTransaction();
                Write(s_bye);
                return true;
            default:
                Write(s_unknown);
                return false;
        }
    }

    /// <summary>The domain of <c>RCPT TO:&lt;local@domain&gt;</c>, lower case; "" when there is none.</summary>
    private static string DomainOf(string line)
    {
        var open = line.IndexOf('<');
        var close = open < 0 ? -1 : line.IndexOf('>', open + 1);
        var address = open >= 0 && close > open ? line[(open + 1)..close] : line;
        var at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..].ToLowerInvariant();
    }

    private void EndTransaction()
    {
        if (_recipients > 0)
        {
            stats.TransactionEnded(_domain ?? "");
        }

        _haveMail = false;
        _domain = null;
        _recipients = 0;
        _inData = false;
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _writer.Write(bytes);
        _unflushed = true;
    }
}
