using System.Buffers;
using System.Text;
using EmailAI.Protocols.SmtpClient;

namespace EmailAI.Tests.Outbound;

/// <summary>
/// <see cref="SmtpDataEncoding"/>: the DATA body on the wire (RFC 5321 §4.5.2 transparency, §4.1.1.4 terminator) and
/// the 8-bit test behind BODY=8BITMIME (RFC 6152).
/// </summary>
public sealed class SmtpDataEncodingTests
{
    [Theory]
    [InlineData("a.b\r\n.c\r\n..d\r\nend.\r\n", "a.b\r\n..c\r\n...d\r\nend.\r\n.\r\n")]
    [InlineData(".first\r\nsecond\r\n", "..first\r\nsecond\r\n.\r\n")]
    [InlineData("Subject: x\r\n\r\n. \r\n", "Subject: x\r\n\r\n.. \r\n.\r\n")]
    [InlineData("no dots at all\r\n", "no dots at all\r\n.\r\n")]
    [InlineData("dots . in . the middle...\r\n", "dots . in . the middle...\r\n.\r\n")]
    public void WriteDotStuffed_LeadingDots_DoubledOnlyAtLineStarts(string content, string wire)
    {
        Assert.Equal(wire, Encode(content));
    }

    [Theory]
    [InlineData(".\r\n", "..\r\n.\r\n")]
    [InlineData("a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData("a\r\n.\r\n", "a\r\n..\r\n.\r\n")]
    public void WriteDotStuffed_LoneDotLine_DoubledSoItDoesNotEndTheData(string content, string wire)
    {
        Assert.Equal(wire, Encode(content));
    }

    [Fact]
    public void WriteDotStuffed_CommandsAfterADotLine_StayInsideTheData()
    {
        // SMTP smuggling: a body that looks like end-of-data followed by a second transaction.
        const string content = "Subject: hi\r\n\r\nx\r\n.\r\nMAIL FROM:<evil@bad.test>\r\nRCPT TO:<victim@remote.test>\r\nDATA\r\n";

        var wire = Encode(content);

        Assert.Equal(wire.Length - ".\r\n".Length - 2, wire.IndexOf("\r\n.\r\n", StringComparison.Ordinal));
        Assert.Equal(content, Unstuff(wire));
    }

    [Theory]
    [InlineData("x", "x\r\n.\r\n")]
    [InlineData("line\r\nno end", "line\r\nno end\r\n.\r\n")]
    [InlineData(".", "..\r\n.\r\n")]
    [InlineData("a\r\n.b", "a\r\n..b\r\n.\r\n")]
    public void WriteDotStuffed_NoFinalCrLf_OneAdded(string content, string wire)
    {
        Assert.Equal(wire, Encode(content));
    }

    [Fact]
    public void WriteDotStuffed_FinalCrLfPresent_NoneAdded()
    {
        Assert.Equal("a\r\n\r\n.\r\n", Encode("a\r\n\r\n"));
    }

    [Fact]
    public void WriteDotStuffed_EmptyContent_OnlyTerminator()
    {
        Assert.Equal(".\r\n", Encode(""));
    }

    [Fact]
    public void WriteDotStuffed_DotAfterBareLf_DoubledAsIfAtLineStart()
    {
        // Documents the behaviour: the encoder starts a line after every LF, not only after CRLF. A receiver that
        // also ends lines at a bare LF (Postfix before 3.9, sendmail) removes the dot again; a strict receiver
        // (RFC 5321 §2.3.8, like the test sink) keeps both, so such content arrives with one dot more. Doubling is
        // the safe side: "\n.\r\n" can never look like end-of-data to a lenient receiver (SMTP smuggling).
        // Queued mail has no bare LF: the inbound session refuses it with 554 5.6.0.
        Assert.Equal("a\n..b\r\n.\r\n", Encode("a\n.b\r\n"));
        Assert.Equal("x\n..\r\ny\r\n.\r\n", Encode("x\n.\r\ny\r\n"));
    }

    [Fact]
    public void WriteDotStuffed_DotAfterBareCr_NotDoubled()
    {
        Assert.Equal("a\r.b\r\n.\r\n", Encode("a\r.b\r\n"));
    }

    [Fact]
    public void WriteDotStuffed_EndsInBareCr_CrLfAppendedAfterIt()
    {
        // The bare CR is content and is sent unchanged; the CRLF the encoder adds lets the terminator start a line.
        Assert.Equal("a\r\r\n.\r\n", Encode("a\r"));
    }

    [Fact]
    public void WriteDotStuffed_EndsInBareLf_TerminatorPrecededByCrLf()
    {
        // Content "a\n" is written as "a\n.\r\n": the XML doc promises a CRLF for "content that does not end in CRLF",
        // but atLineStart is true after any LF, so none is added. A server that ends lines only at CRLF (RFC 5321
        // §2.3.8; Postfix with smtpd_forbid_bare_newline, the test sink) reads ".\r\n" as part of the line "a\n.\r\n"
        // and keeps waiting, so the client runs into DataDoneTimeout.
        Assert.EndsWith("\r\n.\r\n", Encode("a\n"));
        Assert.Equal("a\n\r\n.\r\n", Encode("a\n"));
    }

    [Fact]
    public void WriteDotStuffed_EightBitAndNulOctets_SentUnchanged()
    {
        byte[] content = [0x00, 0x80, 0xFF, (byte)'\r', (byte)'\n', (byte)'.', 0xC3, 0xBC, (byte)'\r', (byte)'\n'];
        var output = new ArrayBufferWriter<byte>();

        SmtpDataEncoding.WriteDotStuffed(content, output);

        byte[] expected = [0x00, 0x80, 0xFF, (byte)'\r', (byte)'\n', (byte)'.', (byte)'.', 0xC3, 0xBC, (byte)'\r', (byte)'\n', (byte)'.', (byte)'\r', (byte)'\n'];
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteDotStuffed_WriterWithContent_Appends()
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write("prefix|"u8);

        SmtpDataEncoding.WriteDotStuffed(".x\r\n"u8, output);

        Assert.Equal("prefix|..x\r\n.\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void WriteDotStuffed_RandomCrLfContent_StrictUnstuffingGivesItBack()
    {
        var random = new Random(5321);
        for (var round = 0; round < 200; round++)
        {
            var text = new StringBuilder();
            var lines = random.Next(0, 20);
            for (var i = 0; i < lines; i++)
            {
                var length = random.Next(0, 12);
                for (var j = 0; j < length; j++)
                {
                    text.Append(random.Next(4) == 0 ? '.' : (char)('a' + random.Next(26)));
                }

                text.Append("\r\n");
            }

            var content = text.ToString();
            var wire = Encode(content);

            Assert.EndsWith("\r\n.\r\n", "\r\n" + wire);
            Assert.Equal(content, Unstuff(wire));
        }
    }

    [Theory]
    [InlineData(new byte[0], false)]
    [InlineData(new byte[] { 0x00, 0x41, 0x7F, 0x0D, 0x0A }, false)]
    [InlineData(new byte[] { 0x41, 0x80 }, true)]
    [InlineData(new byte[] { 0xFF }, true)]
    [InlineData(new byte[] { 0xC3, 0xBC }, true)]
    public void HasEightBitOctets_OctetAbove127_True(byte[] content, bool expected)
    {
        Assert.Equal(expected, SmtpDataEncoding.HasEightBitOctets(content));
    }

    [Fact]
    public void HasEightBitOctets_EveryOctet_TrueExactlyAbove127()
    {
        for (var value = 0; value <= 255; value++)
        {
            byte[] content = [.. "plain ascii text "u8, (byte)value, .. " more\r\n"u8];
            Assert.Equal(value > 127, SmtpDataEncoding.HasEightBitOctets(content));
        }
    }

    private static string Encode(string content)
    {
        var output = new ArrayBufferWriter<byte>();
        SmtpDataEncoding.WriteDotStuffed(Encoding.UTF8.GetBytes(content), output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>A receiver that ends lines only at CRLF (RFC 5321 §4.5.2): the content before ".CRLF", one leading dot removed per line.</summary>
    private static string Unstuff(string wire)
    {
        var content = new StringBuilder();
        var start = 0;
        while (true)
        {
            var end = wire.IndexOf("\r\n", start, StringComparison.Ordinal);
            Assert.True(end >= 0, "data not terminated");
            var line = wire[start..end];
            if (line == ".")
            {
                Assert.Equal(wire.Length, end + 2);
                return content.ToString();
            }

            content.Append(line.StartsWith('.') ? line[1..] : line).Append("\r\n");
            start = end + 2;
        }
    }
}
