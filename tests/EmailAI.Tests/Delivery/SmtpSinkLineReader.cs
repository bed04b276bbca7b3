namespace EmailAI.Tests.Delivery;

/// <summary>
/// Splits a byte stream into LF-terminated segments for <see cref="SmtpSink"/>. Reads ahead into one buffer, so
/// pipelined commands (RFC 2920) that arrive in one packet are answered one by one, and memory stays bounded: a
/// segment longer than the caller's limit is drained to its LF and reported as too long, never accumulated.
/// </summary>
internal sealed class SmtpSinkLineReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[16 * 1024];
    private byte[] _line = new byte[1024];
    private int _start;
    private int _end;

    /// <summary>True when bytes have been read from the stream that no call has returned yet.</summary>
    public bool HasBufferedInput => _start < _end;

    /// <summary>
    /// Forgets read-ahead bytes. Used after STARTTLS: plaintext that arrived behind the command must not be taken
    /// as commands of the protected session (RFC 3207 §6; the STARTTLS command-injection attack, CVE-2011-0411).
    /// </summary>
    public void DiscardBufferedInput() => _start = _end = 0;

    /// <summary>
    /// Reads up to and including the next LF. <paramref name="maxLength"/> counts the terminator. The returned
    /// memory is valid until the next call. A partial segment followed by end of stream is reported as
    /// <see cref="SmtpSinkLine.EndOfStream"/>.
    /// </summary>
    public async ValueTask<SmtpSinkLine> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        var length = 0;
        var tooLong = false;
        var previous = (byte)0;
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await stream.ReadAsync(_buffer, cancellationToken);
                if (_end == 0)
                {
                    return new SmtpSinkLine(ReadOnlyMemory<byte>.Empty, TooLong: false, EndsWithCrLf: false, EndOfStream: true);
                }
            }

            var available = _buffer.AsSpan(_start, _end - _start);
            var lf = available.IndexOf((byte)'\n');
            var take = lf >= 0 ? lf + 1 : available.Length;
            var chunk = available[..take];
            if (lf >= 0)
            {
                // The byte before the LF may have arrived in an earlier read.
                previous = lf > 0 ? available[lf - 1] : previous;
            }
            else
            {
                previous = chunk[^1];
            }

            if (!tooLong && (long)length + take > maxLength)
            {
                tooLong = true;
            }

            if (!tooLong)
            {
                if (length + take > _line.Length)
                {
                    Array.Resize(ref _line, Math.Max(_line.Length * 2, length + take));
                }

                chunk.CopyTo(_line.AsSpan(length));
                length += take;
            }

            _start += take;
            if (lf >= 0)
            {
                var crLf = previous == (byte)'\r';
                return tooLong
                    ? new SmtpSinkLine(ReadOnlyMemory<byte>.Empty, TooLong: true, crLf, EndOfStream: false)
                    : new SmtpSinkLine(_line.AsMemory(0, length), TooLong: false, crLf, EndOfStream: false);
            }
        }
    }
}

/// <summary>One segment from <see cref="SmtpSinkLineReader"/>: the bytes including the LF, unless too long.</summary>
internal readonly record struct SmtpSinkLine(ReadOnlyMemory<byte> Bytes, bool TooLong, bool EndsWithCrLf, bool EndOfStream);
