using System.Buffers;
using System.Text;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Protocols.SmtpClient;

/// <summary>
/// Parses the replies of a remote SMTP server (RFC 5321 §4.2): a three-digit code, then <c>-</c> on every
/// line but the last and a space (or nothing) on the last; an RFC 3463 enhanced status code at the start
/// of the text is split off (RFC 2034). Sans-I/O: feed it whatever bytes arrived; it consumes complete
/// lines only. Remote servers are not trusted: a line or a reply longer than the limits, or a line that is
/// not a reply, is a <see cref="SmtpProtocolException"/>, never an unbounded buffer. Text that is not
/// UTF-8 is read as Latin-1 rather than refused, since it is only ever logged and reported.
/// </summary>
public sealed class SmtpReplyParser
{
    /// <summary>Longest reply line accepted, CRLF included (RFC 5321 §4.5.3.1.5 says 512; real servers write longer).</summary>
    public const int MaxLineLength = 4096;

    /// <summary>Most lines in one reply (an EHLO reply has one per extension).</summary>
    public const int MaxLines = 256;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly List<string> _lines = [];
    private int _code;

    /// <summary>
    /// Reads one complete reply from <paramref name="buffer"/> if there is one, and slices off what it consumed.
    /// False when more bytes are needed (the partial reply is kept).
    /// </summary>
    public bool TryParse(ref ReadOnlySequence<byte> buffer, out SmtpReply reply)
    {
        reply = null!;
        while (true)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> lineBytes, (byte)'\n', advancePastDelimiter: true))
            {
                if (buffer.Length >= MaxLineLength)
                {
                    throw new SmtpProtocolException("reply line too long");
                }

                return false;
            }

            if (lineBytes.Length + 1 > MaxLineLength)
            {
                throw new SmtpProtocolException("reply line too long");
            }

            buffer = buffer.Slice(reader.Position);
            var line = Decode(lineBytes).TrimEnd('\r');
            if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])
                || line[0] is < '2' or > '5' || (line.Length > 3 && line[3] is not (' ' or '-')))
            {
                throw new SmtpProtocolException($"not an SMTP reply: '{Truncate(line)}'");
            }

            var code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
            if (_lines.Count > 0 && code != _code)
            {
                throw new SmtpProtocolException("reply code changed within a multi-line reply");
            }

            _code = code;
            _lines.Add(line.Length > 4 ? line[4..] : "");
            if (_lines.Count > MaxLines)
            {
                throw new SmtpProtocolException("reply has too many lines");
            }

            if (line.Length > 3 && line[3] == '-')
            {
                continue;
            }

            reply = Build(code, _lines);
            _lines.Clear();
            return true;
        }
    }

    /// <summary>
    /// The reply as <see cref="SmtpReply"/>: the enhanced code, when the first line starts with one whose class
    /// matches the reply code's, is removed from every line that carries it.
    /// </summary>
    private static SmtpReply Build(int code, List<string> lines)
    {
        var enhanced = EnhancedCodeOf(lines[0], code);
        if (enhanced is null)
        {
            return new SmtpReply(code, null, [.. lines]);
        }

        var texts = new string[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            var text = lines[i];
            texts[i] = text.StartsWith(enhanced, StringComparison.Ordinal) && (text.Length == enhanced.Length || text[enhanced.Length] == ' ')
                ? text[Math.Min(text.Length, enhanced.Length + 1)..]
                : text;
        }

        return new SmtpReply(code, enhanced, texts);
    }

    /// <summary>"class.subject.detail" at the start of <paramref name="text"/> (RFC 3463 §2), class equal to the code's first digit.</summary>
    private static string? EnhancedCodeOf(string text, int code)
    {
        var end = text.IndexOf(' ');
        var candidate = end < 0 ? text : text[..end];
        var parts = candidate.Split('.');
        if (parts.Length != 3 || parts[0] != ((char)('0' + code / 100)).ToString()
            || !IsNumber(parts[1], 3) || !IsNumber(parts[2], 3))
        {
            return null;
        }

        return candidate;

        static bool IsNumber(string s, int maxDigits) => s.Length is > 0 && s.Length <= maxDigits && s.All(char.IsAsciiDigit);
    }

    private static string Decode(ReadOnlySequence<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    private static string Truncate(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
