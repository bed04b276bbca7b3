using System.Text;

namespace EmailAI.Grains.DkimSigning;

/// <summary>
/// The header section of a message as stored — lines ending in CRLF, as the SMTP receiver writes them — split
/// into fields without changing or copying a byte (RFC 5322 §2.2, §2.2.3: a line that begins with WSP continues
/// the field before it). A bare CR or LF is content, not a line end, exactly as the DATA framer left it.
/// </summary>
public sealed class RawHeader
{
    private RawHeader(IReadOnlyList<RawHeaderField> fields, int bodyStart)
    {
        Fields = fields;
        BodyStart = bodyStart;
    }

    /// <summary>The fields in message order.</summary>
    public IReadOnlyList<RawHeaderField> Fields { get; }

    /// <summary>Offset of the body: after the empty line that ends the header; the message's length when there is none.</summary>
    public int BodyStart { get; }

    /// <summary>
    /// Splits <paramref name="message"/>'s header. Throws <see cref="FormatException"/> for a header DKIM cannot be
    /// computed over the way receivers will read it: a first line that is a continuation, a line that is neither a
    /// continuation nor a field (no colon), or a field name that is not RFC 5322 §3.6.8 ftext (printable US-ASCII
    /// but the colon).
    /// </summary>
    public static RawHeader Parse(ReadOnlySpan<byte> message)
    {
        var fields = new List<RawHeaderField>();
        var position = 0;
        while (position < message.Length)
        {
            var lineEnd = LineEnd(message, position);
            if (lineEnd == position)
            {
                // The empty line: the body follows its CRLF.
                return new RawHeader(fields, Math.Min(position + 2, message.Length));
            }

            if (IsWsp(message[position]))
            {
                if (fields.Count == 0)
                {
                    throw new FormatException("the header begins with a continuation line");
                }

                var last = fields[^1];
                fields[^1] = last with { Length = lineEnd - last.Start };
            }
            else
            {
                fields.Add(new RawHeaderField(FieldName(message[position..lineEnd]), position, lineEnd - position));
            }

            position = Math.Min(lineEnd + 2, message.Length);
        }

        return new RawHeader(fields, message.Length);
    }

    /// <summary>Offset of the CRLF that ends the line at <paramref name="start"/>, or the message's end.</summary>
    private static int LineEnd(ReadOnlySpan<byte> message, int start)
    {
        var at = message[start..].IndexOf("\r\n"u8);
        return at < 0 ? message.Length : start + at;
    }

    private static string FieldName(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            throw new FormatException("a header line is neither a field nor a continuation");
        }

        var name = line[..colon].TrimEnd(" \t"u8);
        if (name.Length == 0)
        {
            throw new FormatException("a header field has an empty name");
        }

        foreach (var octet in name)
        {
            if (octet is < 33 or > 126)
            {
                throw new FormatException("a header field name holds a character RFC 5322 §3.6.8 does not allow");
            }
        }

        return Encoding.ASCII.GetString(name);
    }

    internal static bool IsWsp(byte octet) => octet is (byte)' ' or (byte)'\t';
}
