using System.Buffers;
using System.Text;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// One SMTP reply: a three-digit code, an RFC 3463 enhanced status code (RFC 2034 §3) and one or more
/// text lines. Formatted as a multi-line reply when there is more than one line (RFC 5321 §4.2.1).
/// </summary>
public sealed record SmtpReply(int Code, string? EnhancedCode, IReadOnlyList<string> Lines)
{
    public SmtpReply(int code, string? enhancedCode, string text)
        : this(code, enhancedCode, [text])
    {
    }

    public bool IsPositive => Code is >= 200 and < 400;

    public bool IsTransientFailure => Code is >= 400 and < 500;

    public bool IsPermanentFailure => Code >= 500;

    /// <summary>Writes the reply in wire form, each line ending in CRLF.</summary>
    public void WriteTo(StringBuilder builder)
    {
        for (var i = 0; i < Lines.Count; i++)
        {
            builder.Append(Code);
            builder.Append(i == Lines.Count - 1 ? ' ' : '-');
            // RFC 2034 §3: the enhanced code prefixes the text of every line. EHLO's keyword lines carry none.
            if (EnhancedCode is not null)
            {
                builder.Append(EnhancedCode).Append(' ');
            }

            builder.Append(Lines[i]).Append("\r\n");
        }
    }

    /// <summary>Octets of the wire form (UTF-8, every line's CRLF included).</summary>
    public int WireLength
    {
        get
        {
            var length = 0;
            foreach (var line in Lines)
            {
                length += LinePrefixLength + Encoding.UTF8.GetByteCount(line) + 2;
            }

            return length;
        }
    }

    // "250-" or "250 ", then "2.1.0 " when there is an enhanced code.
    private int LinePrefixLength => 4 + (EnhancedCode is null ? 0 : EnhancedCode.Length + 1);

    /// <summary>Writes the wire form straight into <paramref name="output"/> as UTF-8, without an intermediate string.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        for (var i = 0; i < Lines.Count; i++)
        {
            var line = Lines[i];
            var span = output.GetSpan(LinePrefixLength + Encoding.UTF8.GetMaxByteCount(line.Length) + 2);
            span[0] = (byte)('0' + (Code / 100 % 10));
            span[1] = (byte)('0' + (Code / 10 % 10));
            span[2] = (byte)('0' + (Code % 10));
            span[3] = (byte)(i == Lines.Count - 1 ? ' ' : '-');
            var at = 4;
            if (EnhancedCode is not null)
            {
                at += Encoding.ASCII.GetBytes(EnhancedCode, span[at..]);
                span[at++] = (byte)' ';
            }

            at += Encoding.UTF8.GetBytes(line, span[at..]);
            span[at++] = (byte)'\r';
            span[at++] = (byte)'\n';
            output.Advance(at);
        }
    }

    /// <summary>Replies are equal when code, enhanced code and every text line are equal.</summary>
    public bool Equals(SmtpReply? other) =>
        other is not null && Code == other.Code && EnhancedCode == other.EnhancedCode && Lines.SequenceEqual(other.Lines);

    public override int GetHashCode() => HashCode.Combine(Code, EnhancedCode, Lines.Count > 0 ? Lines[0] : null);

    /// <summary>The reply on one line, lines joined by spaces: for logs, queue errors and DSN diagnostic codes.</summary>
    public string ToSingleLine() => ToString().TrimEnd().Replace("\r\n", " ", StringComparison.Ordinal);

    public override string ToString()
    {
        var builder = new StringBuilder();
        WriteTo(builder);
        return builder.ToString();
    }
}
