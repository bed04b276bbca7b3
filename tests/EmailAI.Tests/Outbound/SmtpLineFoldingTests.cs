using System.Buffers;
using System.Text;
using CsCheck;
using EmailAI.Protocols.SmtpClient;

namespace EmailAI.Tests.Outbound;

/// <summary>
/// Long lines on the way out (Postfix's smtp_line_length_limit = 998): no line on the wire is longer than 998
/// octets plus CRLF, header lines fold with CRLF + space, body lines break with CRLF, and content without long
/// lines goes out only dot-stuffed.
/// </summary>
public sealed class SmtpLineFoldingTests
{
    private static readonly byte[] Fillers = [(byte)'a', (byte)'.', 0xC3, (byte)'\r', (byte)' '];

    /// <summary>Lines of 0…3000 octets of one kind of filler (letters, periods, 8-bit, lone CR), with CRLF, bare LF or no ending.</summary>
    private static readonly Gen<byte[]> Contents =
        Gen.Select(Gen.Int[0, 3000], Gen.Int[0, Fillers.Length - 1].Select(i => Fillers[i]), Gen.Int[0, 2], Gen.Bool)
            .Select((length, filler, ending, dotFirst) => Line(length, filler, ending, dotFirst))
            .Array[0, 6]
            .Select(lines => lines.SelectMany(l => l).ToArray());

    [Fact]
    public void WriteDotStuffed_AnyContent_NoLineLongerThan998OctetsPlusCrLf()
    {
        Contents.Sample(content =>
        {
            // As the receiver stores it: the period stuffing added is removed (RFC 5321 §4.5.2).
            foreach (var line in Lines(Encode(content)))
            {
                var stored = line.Length > 0 && line[0] == (byte)'.' ? line.Length - 1 : line.Length;
                Assert.True(stored <= SmtpDataEncoding.MaxLineOctets, $"a line of {stored} octets");
            }
        });
    }

    [Fact]
    public void WriteDotStuffed_NoLineOver998_SameAsDotStuffingAlone()
    {
        Contents.Where(c => Lines(c).All(l => l.Length <= SmtpDataEncoding.MaxLineOctets)).Sample(content =>
        {
            Assert.Equal(StuffOnly(content), Encode(content));
        });
    }

    [Fact]
    public void WriteDotStuffed_AnyContent_UnfoldedGivesTheOriginalOctets()
    {
        Contents.Sample(content =>
        {
            // Removing every break we add (CRLF, and in the header CRLF + space) leaves the stuffed original.
            var wire = Encoding.Latin1.GetString(Encode(content));
            var stuffed = Encoding.Latin1.GetString(StuffOnly(content));
            Assert.Equal(Unfold(stuffed), Unfold(wire));
        });
    }

    [Fact]
    public void WriteDotStuffed_HeaderLineOf2000Octets_FoldedWithCrLfSpace()
    {
        var field = "X-Long: " + new string('h', 1992);
        var wire = Encoding.ASCII.GetString(Encode(Encoding.ASCII.GetBytes(field + "\r\n\r\nbody\r\n")));

        Assert.Equal(field[..998] + "\r\n " + field[998..1995] + "\r\n " + field[1995..] + "\r\n\r\nbody\r\n.\r\n", wire);
    }

    [Fact]
    public void WriteDotStuffed_BodyLineOf10000OctetsStartingWithDots_BrokenWithCrLfEachPieceStuffed()
    {
        var line = new string('.', 10_000);
        var wire = Encoding.ASCII.GetString(Encode(Encoding.ASCII.GetBytes("Subject: x\r\n\r\n" + line + "\r\n")));

        var pieces = wire["Subject: x\r\n\r\n".Length..^"\r\n.\r\n".Length].Split("\r\n");
        Assert.All(pieces, p => Assert.InRange(p.Length - 1, 1, 998));
        Assert.Equal(10_000, pieces.Sum(p => p.Length - 1));
        Assert.All(pieces, p => Assert.StartsWith("..", p));
    }

    [Fact]
    public void WriteDotStuffed_LineOfExactly998_Unchanged()
    {
        var content = Encoding.ASCII.GetBytes("S: x\r\n\r\n" + new string('b', 998) + "\r\n");

        Assert.Equal([.. content, .. ".\r\n"u8.ToArray()], Encode(content));
    }

    [Fact]
    public void WriteDotStuffed_LineOf999_BrokenAfter998()
    {
        var wire = Encoding.ASCII.GetString(Encode(Encoding.ASCII.GetBytes("S: x\r\n\r\n" + new string('b', 999) + "\r\n")));

        Assert.Equal("S: x\r\n\r\n" + new string('b', 998) + "\r\nb\r\n.\r\n", wire);
    }

    [Fact]
    public void HasLongLines_AnyContent_TrueExactlyWhenALineIsOver998()
    {
        Contents.Sample(content =>
            Assert.Equal(Lines(content).Any(l => l.Length > SmtpDataEncoding.MaxLineOctets), SmtpDataEncoding.HasLongLines(content)));
    }

    [Fact]
    public void FoldLongLines_AnyContent_WireUnchangedByFoldingFirst_NoLongLineLeft_FoldingAgainChangesNothing()
    {
        // A DKIM signer folds before signing: what it signs must be what goes on the wire, stuffing aside.
        Contents.Sample(content =>
        {
            var folded = SmtpDataEncoding.FoldLongLines(content);
            Assert.Equal(Encode(content), Encode(folded));
            Assert.False(SmtpDataEncoding.HasLongLines(folded));
            Assert.Equal(folded, SmtpDataEncoding.FoldLongLines(folded));
            Assert.Equal(StuffOnly(folded), Encode(folded));
        });
    }

    [Fact]
    public void HasLongLines_AtTheLimit()
    {
        Assert.False(SmtpDataEncoding.HasLongLines(Encoding.ASCII.GetBytes(new string('b', 998) + "\r\n")));
        Assert.False(SmtpDataEncoding.HasLongLines(Encoding.ASCII.GetBytes(new string('b', 998))));
        Assert.True(SmtpDataEncoding.HasLongLines(Encoding.ASCII.GetBytes(new string('b', 999) + "\r\n")));
        Assert.True(SmtpDataEncoding.HasLongLines(Encoding.ASCII.GetBytes(new string('b', 998) + "\r")));
        Assert.True(SmtpDataEncoding.HasLongLines(Encoding.ASCII.GetBytes("x\r\n" + new string('b', 999))));
    }

    private static byte[] Line(int length, byte filler, int ending, bool dotFirst)
    {
        var line = Enumerable.Repeat(filler, length).ToList();
        if (dotFirst && length > 0)
        {
            line[0] = (byte)'.';
        }

        line.AddRange(ending switch { 0 => "\r\n"u8.ToArray(), 1 => "\n"u8.ToArray(), _ => [] });
        return [.. line];
    }

    private static byte[] Encode(byte[] content)
    {
        var output = new ArrayBufferWriter<byte>();
        SmtpDataEncoding.WriteDotStuffed(content, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Dot-stuffing alone, as the client did before folding: the reference for content without long lines.</summary>
    private static byte[] StuffOnly(byte[] content)
    {
        var output = new List<byte>();
        var atLineStart = true;
        foreach (var octet in content)
        {
            if (atLineStart && octet == (byte)'.')
            {
                output.Add((byte)'.');
            }

            output.Add(octet);
            atLineStart = octet == (byte)'\n';
        }

        if (content.Length > 0 && !content.AsSpan().EndsWith("\r\n"u8))
        {
            output.AddRange("\r\n"u8.ToArray());
        }

        output.AddRange(".\r\n"u8.ToArray());
        return [.. output];
    }

    /// <summary>The lines of <paramref name="octets"/> split at LF, without their CR LF or LF.</summary>
    private static IEnumerable<byte[]> Lines(byte[] octets)
    {
        var start = 0;
        for (var i = 0; i <= octets.Length; i++)
        {
            if (i == octets.Length || octets[i] == (byte)'\n')
            {
                var end = i > start && i < octets.Length && octets[i - 1] == (byte)'\r' ? i - 1 : i;
                yield return octets[start..end];
                start = i + 1;
            }
        }
    }

    /// <summary>
    /// Everything but line breaks, periods, and in the header section a continuation's leading space. Only the header
    /// folds with CRLF + space: in the body a break is a bare CRLF, and the piece after it may start with a space of
    /// the original line (a body line of 2,000 spaces once made a header-style unfold eat one of them).
    /// </summary>
    private static string Unfold(string wire)
    {
        var end = HeaderEnd(wire);
        return Strip(wire[..end].Replace("\r\n ", "", StringComparison.Ordinal)) + Strip(wire[end..]);
    }

    private static string Strip(string text) =>
        text.Replace("\r\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal);

    /// <summary>Where the header section ends: the first line with no text (CRLF or LF alone), as the encoder decides.</summary>
    private static int HeaderEnd(string wire)
    {
        for (var p = 0; p < wire.Length; p++)
        {
            if ((p == 0 || wire[p - 1] == '\n') && (wire[p] == '\n' || (wire[p] == '\r' && p + 1 < wire.Length && wire[p + 1] == '\n')))
            {
                return p;
            }
        }

        return wire.Length;
    }
}
