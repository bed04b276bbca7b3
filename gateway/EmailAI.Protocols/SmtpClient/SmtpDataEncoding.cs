using System.Buffers;

namespace EmailAI.Protocols.SmtpClient;

/// <summary>
/// The DATA body as it goes on the wire (RFC 5321 §4.5.2): every line that starts with a period gets one
/// more, and the data ends with <c>CRLF.CRLF</c>. The message's own bytes are otherwise sent unchanged:
/// nothing is re-encoded, re-folded or re-wrapped.
/// </summary>
public static class SmtpDataEncoding
{
    private static ReadOnlySpan<byte> Terminator => ".\r\n"u8;

    /// <summary>
    /// Writes <paramref name="content"/> dot-stuffed, then the terminating <c>.CRLF</c>. Content that does not
    /// end in CRLF (which received mail always does) gets one, because the terminator must start a line.
    /// </summary>
    public static void WriteDotStuffed(ReadOnlySpan<byte> content, IBufferWriter<byte> output)
    {
        var endsWithCrLf = content.IsEmpty || content.EndsWith("\r\n"u8);
        var atLineStart = true;
        while (!content.IsEmpty)
        {
            // A dot after any LF is doubled, bare LF included: no receiver can read a line of ours as the end.
            if (atLineStart && content[0] == (byte)'.')
            {
                output.Write("."u8);
            }

            var lf = content.IndexOf((byte)'\n');
            var line = lf < 0 ? content : content[..(lf + 1)];
            output.Write(line);
            content = content[line.Length..];
            atLineStart = lf >= 0;
        }

        if (!endsWithCrLf)
        {
            // The terminator must follow a CRLF (RFC 5321 §4.1.1.4), whatever the content ended with.
            output.Write("\r\n"u8);
        }

        output.Write(Terminator);
    }

    /// <summary>True when any octet is above 127: such content is announced with BODY=8BITMIME (RFC 6152).</summary>
    public static bool HasEightBitOctets(ReadOnlySpan<byte> content) => content.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;
}
