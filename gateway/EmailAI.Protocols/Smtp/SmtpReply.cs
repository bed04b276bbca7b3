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
