using System.Buffers;
using System.Text;

namespace EmailAI.Protocols.Common;

/// <summary>
/// Frames command lines for line-based protocols (SMTP commands, POP3). A line ends at LF, with an
/// optional CR before it: a person at a terminal can type commands. A line longer than the limit
/// (CRLF included) is never buffered whole: once the limit is passed without an LF, the bytes are dropped
/// as they arrive until the LF, and the line is reported as <see cref="FramedLineKind.TooLong"/>, so a
/// client cannot make the server buffer without bound. Decoding is strict UTF-8.
/// One framer per connection; not thread-safe.
/// </summary>
public sealed class CommandLineFramer(int maxLineLength)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private bool _discarding;

    /// <summary>Longest line accepted, CRLF included; may be raised for one line (SASL responses).</summary>
    public int MaxLineLength { get; set; } = maxLineLength;

    /// <summary>
    /// Reads the next line from <paramref name="input"/>, advancing <paramref name="position"/> past what was
    /// consumed.
    /// </summary>
    public FramedLineKind TryRead(ReadOnlySequence<byte> input, ref SequencePosition position, out string line)
    {
        line = "";
        var rest = input.Slice(position);
        var reader = new SequenceReader<byte>(rest);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> bytes, (byte)'\n', advancePastDelimiter: true))
        {
            if (rest.Length >= MaxLineLength)
            {
                _discarding = true;
                position = rest.End;
            }

            return FramedLineKind.NeedMoreData;
        }

        position = reader.Position;
        if (_discarding || bytes.Length + 1 > MaxLineLength)
        {
            _discarding = false;
            return FramedLineKind.TooLong;
        }

        if (bytes.Length > 0 && bytes.Slice(bytes.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            bytes = bytes.Slice(0, bytes.Length - 1);
        }

        try
        {
            line = StrictUtf8.GetString(bytes);
            return FramedLineKind.Line;
        }
        catch (DecoderFallbackException)
        {
            return FramedLineKind.Undecodable;
        }
    }
}
