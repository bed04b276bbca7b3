using System.Buffers;

namespace EmailAI.Protocols.SmtpClient;

/// <summary>
/// The DATA body as it goes on the wire (RFC 5321 §4.5.2): every line that starts with a period gets one
/// more, and the data ends with <c>CRLF.CRLF</c>. The message's own bytes are otherwise sent unchanged —
/// nothing is re-encoded or re-wrapped — except a line longer than <see cref="MaxLineOctets"/>, which is
/// folded as Postfix's <c>smtp_line_length_limit</c> does: a header line gets CRLF and a space (a folded
/// continuation, RFC 5322 §2.2.3), a body line is broken with CRLF.
/// </summary>
public static class SmtpDataEncoding
{
    /// <summary>
    /// Longest line sent, in octets without its CRLF and without the period that stuffing adds (which the receiver
    /// removes, RFC 5321 §4.5.2): RFC 5321 §4.5.3.1.6 allows 1000 with CRLF; Postfix: smtp_line_length_limit = 998.
    /// Mail received with longer lines is stored as it came and folded only on the way out.
    /// </summary>
    public const int MaxLineOctets = 998;

    private static ReadOnlySpan<byte> Terminator => ".\r\n"u8;

    /// <summary>
    /// Writes <paramref name="content"/> dot-stuffed and with long lines folded, then the terminating
    /// <c>.CRLF</c>. Content that does not end in CRLF (which received mail always does) gets one, because the
    /// terminator must start a line. Content without a line over <see cref="MaxLineOctets"/> is only stuffed.
    /// </summary>
    public static void WriteDotStuffed(ReadOnlySpan<byte> content, IBufferWriter<byte> output)
    {
        WriteLines(content, output, stuff: true);
        if (!(content.IsEmpty || content.EndsWith("\r\n"u8)))
        {
            // The terminator must follow a CRLF (RFC 5321 §4.1.1.4), whatever the content ended with.
            output.Write("\r\n"u8);
        }

        output.Write(Terminator);
    }

    /// <summary>True when a line (CRLF or bare LF ended, the ending not counted) is longer than <see cref="MaxLineOctets"/>.</summary>
    public static bool HasLongLines(ReadOnlySpan<byte> content)
    {
        while (content.Length > MaxLineOctets)
        {
            var lf = content.IndexOf((byte)'\n');
            var text = lf < 0 ? content : content[..lf];
            if (text.Length - (lf >= 0 && text.EndsWith("\r"u8) ? 1 : 0) > MaxLineOctets)
            {
                return true;
            }

            if (lf < 0)
            {
                return false;
            }

            content = content[(lf + 1)..];
        }

        return false;
    }

    /// <summary>
    /// <paramref name="content"/> with its long lines folded exactly as <see cref="WriteDotStuffed"/> folds them, not
    /// stuffed and without the terminator: content folded here goes on the wire with no further change but stuffing.
    /// A DKIM signer folds before signing, so the signature covers the lines as they will be sent.
    /// </summary>
    public static byte[] FoldLongLines(ReadOnlySpan<byte> content)
    {
        var output = new ArrayBufferWriter<byte>(content.Length + content.Length / MaxLineOctets * 3 + 3);
        WriteLines(content, output, stuff: false);
        return output.WrittenSpan.ToArray();
    }

    private static void WriteLines(ReadOnlySpan<byte> content, IBufferWriter<byte> output, bool stuff)
    {
        var inHeader = true;
        while (!content.IsEmpty)
        {
            // A line ends at LF, bare LF included: a dot after any LF is doubled, so no receiver can read a line
            // of ours as the end.
            var lf = content.IndexOf((byte)'\n');
            var line = lf < 0 ? content : content[..(lf + 1)];
            content = content[line.Length..];
            var ending = line.EndsWith("\r\n"u8) ? 2 : lf >= 0 ? 1 : 0;
            var text = line[..^ending];
            WriteLine(text, line[^ending..], inHeader, stuff, output);

            // The header section ends at the first empty line (RFC 5322 §2.1).
            inHeader &= !text.IsEmpty;
        }
    }

    /// <summary>True when any octet is above 127: such content is announced with BODY=8BITMIME (RFC 6152).</summary>
    public static bool HasEightBitOctets(ReadOnlySpan<byte> content) => content.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;

    /// <summary>One line: its text stuffed and, when too long, folded into pieces of at most <see cref="MaxLineOctets"/>; then its own line ending.</summary>
    private static void WriteLine(ReadOnlySpan<byte> text, ReadOnlySpan<byte> ending, bool header, bool stuff, IBufferWriter<byte> output)
    {
        for (var first = true; ; first = false)
        {
            // A header continuation starts with a space, so it can never start with a period.
            var continuation = !first && header;
            var stuffed = stuff && !continuation && !text.IsEmpty && text[0] == (byte)'.';
            var room = MaxLineOctets - (continuation ? 1 : 0);
            if (continuation)
            {
                output.Write(" "u8);
            }

            if (stuffed)
            {
                output.Write("."u8);
            }

            var piece = text[..Math.Min(room, text.Length)];
            output.Write(piece);
            text = text[piece.Length..];
            if (text.IsEmpty)
            {
                output.Write(ending);
                return;
            }

            output.Write("\r\n"u8);
        }
    }
}
