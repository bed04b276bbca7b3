using System.Buffers;

namespace EmailAI.Protocols.Pop3;

/// <summary>
/// Turns one <see cref="Pop3MessageContent"/> into the data of a multi-line response (RFC 1939 §3) in
/// pieces of bounded size, so the host can flush, and wait for a slow reader, between pieces: every line
/// that begins with "." gets one more, a last line without a line end is completed with CRLF, and the
/// terminating ".CRLF" follows. For TOP, only the header, the blank line and the requested number of body
/// lines are sent. A line longer than a piece is split across pieces. Not thread-safe; one per response.
/// </summary>
public sealed class Pop3DotStuffer(Pop3MessageContent content)
{
    private ReadOnlyMemory<byte> _rest = content.Message;
    private bool _atLineStart = true;
    private bool _inBody;
    private bool _lineInBody;
    private bool _lineIsBlank;
    private int _sentBodyLines;

    /// <summary>True once the terminating ".CRLF" has been written.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Octets written so far, stuffing and terminator included.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>
    /// Writes the next piece: at most <paramref name="maxBytes"/> octets of the message plus at most 5 more
    /// (a stuffed ".", the CRLF that completes a last line without one, the terminator). Returns <see cref="IsComplete"/>; calling it again after that writes nothing.
    /// </summary>
    public bool WriteNext(IBufferWriter<byte> output, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        var budget = maxBytes;
        while (budget > 0 && !IsComplete)
        {
            var span = _rest.Span;
            if (_atLineStart)
            {
                if (span.IsEmpty || (_inBody && _sentBodyLines >= content.BodyLines))
                {
                    Write(output, ".\r\n"u8);
                    IsComplete = true;
                    break;
                }

                if (span[0] == (byte)'.')
                {
                    Write(output, "."u8);
                    budget--;
                }

                _atLineStart = false;
                _lineInBody = _inBody;
                _lineIsBlank = span.StartsWith("\r\n"u8) || span[0] == (byte)'\n';
            }

            var lf = span.IndexOf((byte)'\n');
            var lineRest = lf < 0 ? span.Length : lf + 1;
            var take = Math.Min(lineRest, budget);
            Write(output, span[..take]);
            _rest = _rest[take..];
            budget -= take;
            if (take < lineRest)
            {
                continue;
            }

            if (lf < 0)
            {
                Write(output, "\r\n"u8);
            }

            _atLineStart = true;
            if (_lineInBody)
            {
                _sentBodyLines++;
            }
            else if (_lineIsBlank)
            {
                _inBody = true;
            }
        }

        return IsComplete;
    }

    private void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        BytesWritten += bytes.Length;
    }
}
