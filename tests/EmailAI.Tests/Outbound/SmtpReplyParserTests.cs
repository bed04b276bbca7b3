using System.Buffers;
using System.Text;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Outbound;

/// <summary>
/// <see cref="SmtpReplyParser"/> on replies as remote servers write them (RFC 5321 §4.2, RFC 2034 enhanced codes),
/// fed whole and at chunk sizes 1…512, and on replies no server should write.
/// </summary>
public sealed class SmtpReplyParserTests
{
    private const string EhloReply =
        "250-mx.remote.test greets client.test\r\n" +
        "250-PIPELINING\r\n" +
        "250-SIZE 10240000\r\n" +
        "250-8BITMIME\r\n" +
        "250-ENHANCEDSTATUSCODES\r\n" +
        "250 SMTPUTF8\r\n";

    // ── Well-formed replies ─────────────────────────────────────────────────────────────────────

    [Theory]
    [ChunkSizes]
    public void SingleLine_WithEnhancedCode_CodeEnhancedCodeAndTextSplit(int chunkSize)
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll("250 2.1.0 Sender OK\r\n", chunkSize));

        Assert.Equal(250, reply.Code);
        Assert.Equal("2.1.0", reply.EnhancedCode);
        Assert.Equal(["Sender OK"], reply.Lines);
    }

    [Theory]
    [ChunkSizes]
    public void SingleLine_WithoutEnhancedCode_TextKeptWhole(int chunkSize)
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll("220 mx.remote.test ESMTP ready\r\n", chunkSize));

        Assert.Equal(new SmtpReply(220, null, "mx.remote.test ESMTP ready"), reply);
    }

    [Theory]
    [ChunkSizes]
    public void MultiLine_EhloWithoutEnhancedCodes_OneLinePerKeyword(int chunkSize)
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll(EhloReply, chunkSize));

        Assert.Equal(250, reply.Code);
        Assert.Null(reply.EnhancedCode);
        Assert.Equal(
            ["mx.remote.test greets client.test", "PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8"],
            reply.Lines);
    }

    [Theory]
    [ChunkSizes]
    public void MultiLine_EnhancedCodeOnEveryLine_SplitFromEveryLine(int chunkSize)
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll(
            "550-5.1.1 The email account that you tried to reach does not exist.\r\n" +
            "550-5.1.1 Please try double-checking the recipient's email\r\n" +
            "550 5.1.1 address for typos.\r\n",
            chunkSize));

        Assert.Equal(550, reply.Code);
        Assert.Equal("5.1.1", reply.EnhancedCode);
        Assert.Equal(
            ["The email account that you tried to reach does not exist.", "Please try double-checking the recipient's email", "address for typos."],
            reply.Lines);
    }

    [Fact]
    public void MultiLine_EnhancedCodeOnFirstLineOnly_OtherLinesKeptAsSent()
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll("451-4.3.0 first\r\n451 second 4.3.0\r\n", 0));

        Assert.Equal(new SmtpReply(451, "4.3.0", ["first", "second 4.3.0"]), reply);
    }

    [Theory]
    [InlineData("550 2.1.0 wrong class\r\n", 550, "2.1.0 wrong class")]
    [InlineData("250 5.0.0 wrong class\r\n", 250, "5.0.0 wrong class")]
    [InlineData("451 5.7.1 wrong class\r\n", 451, "5.7.1 wrong class")]
    [InlineData("250 2.1 two parts\r\n", 250, "2.1 two parts")]
    [InlineData("250 2.1.0.0 four parts\r\n", 250, "2.1.0.0 four parts")]
    [InlineData("250 2.1234.0 subject too long\r\n", 250, "2.1234.0 subject too long")]
    [InlineData("250 2.1.x not digits\r\n", 250, "2.1.x not digits")]
    [InlineData("250 2.1.0text no space\r\n", 250, "2.1.0text no space")]
    public void EnhancedCode_WrongClassOrMalformed_KeptAsText(string input, int code, string text)
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll(input, 0));

        Assert.Equal(new SmtpReply(code, null, text), reply);
    }

    [Fact]
    public void EnhancedCode_ThreeDigitSubjectAndDetail_Split()
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll("550 5.123.456 odd but valid\r\n", 0));

        Assert.Equal(new SmtpReply(550, "5.123.456", "odd but valid"), reply);
    }

    [Fact]
    public void EnhancedCode_WithoutText_LineEmpty()
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll("250 2.0.0\r\n", 0));

        Assert.Equal(new SmtpReply(250, "2.0.0", ""), reply);
    }

    [Theory]
    [InlineData("250\r\n")]
    [InlineData("250 \r\n")]
    public void CodeOnly_NoText_OneEmptyLine(string input)
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll(input, 0));

        Assert.Equal(250, reply.Code);
        Assert.Null(reply.EnhancedCode);
        Assert.Equal([""], reply.Lines);
        Assert.True(reply.IsPositive);
    }

    [Fact]
    public void MultiLine_EmptyContinuationText_KeptAsEmptyLine()
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll("250-\r\n250 last\r\n", 0));

        Assert.Equal(new SmtpReply(250, null, ["", "last"]), reply);
    }

    [Fact]
    public void Reply_AtEveryChunkSize_SameResultAsWhole()
    {
        var input = "220 mx.remote.test ESMTP Grüße\r\n" + EhloReply + "250 2.1.0 OK\r\n550-5.1.1 no\r\n550 5.1.1 such user\r\n354 go ahead\r\n";
        var whole = ReplyFeeder.ParseAll(input, 0);

        Assert.Equal(5, whole.Count);
        Assert.Equal("mx.remote.test ESMTP Grüße", Assert.Single(whole[0].Lines));
        foreach (var size in ChunkSizesAttribute.All.Concat([4, 5, 6, 11, 13]))
        {
            Assert.Equal(whole, ReplyFeeder.ParseAll(input, size));
        }
    }

    [Fact]
    public void Buffer_TwoRepliesInOneBuffer_ReturnedOneAtATimeAndRestLeft()
    {
        var parser = new SmtpReplyParser();
        var buffer = new ReadOnlySequence<byte>("250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n354 go\r"u8.ToArray());

        Assert.True(parser.TryParse(ref buffer, out var first));
        Assert.Equal("250 2.1.5 Recipient OK\r\n354 go\r", Encoding.ASCII.GetString(buffer.ToArray()));
        Assert.True(parser.TryParse(ref buffer, out var second));
        Assert.Equal("354 go\r", Encoding.ASCII.GetString(buffer.ToArray()));
        Assert.False(parser.TryParse(ref buffer, out _));
        Assert.Equal("354 go\r", Encoding.ASCII.GetString(buffer.ToArray()));

        Assert.Equal(new SmtpReply(250, "2.1.0", "Sender OK"), first);
        Assert.Equal(new SmtpReply(250, "2.1.5", "Recipient OK"), second);
    }

    [Fact]
    public void Buffer_PartialMultiLineReply_CompleteLinesConsumedAndKeptUntilTheLastArrives()
    {
        var feeder = new ReplyFeeder();

        Assert.Empty(feeder.Receive("250-mx.remote.test\r\n250-PIPE"));
        // The complete line is consumed (the parser keeps it); only the partial one stays in the buffer.
        Assert.Equal("250-PIPE", Encoding.ASCII.GetString(feeder.Unconsumed));
        Assert.Empty(feeder.Receive("LINING\r\n"));
        Assert.Empty(feeder.Unconsumed);
        Assert.Empty(feeder.Receive("250 8BIT"));

        var reply = Assert.Single(feeder.Receive("MIME\r\n"));

        Assert.Equal(new SmtpReply(250, null, ["mx.remote.test", "PIPELINING", "8BITMIME"]), reply);
        Assert.Empty(feeder.Unconsumed);
    }

    [Fact]
    public void Buffer_ReplyAfterMultiLineReply_DoesNotInheritItsLines()
    {
        var feeder = new ReplyFeeder();

        var replies = feeder.Receive("250-a\r\n250 b\r\n251 c\r\n");

        Assert.Equal([new SmtpReply(250, null, ["a", "b"]), new SmtpReply(251, null, "c")], replies);
    }

    [Fact]
    public void Buffer_Empty_NeedsMoreData()
    {
        var buffer = ReadOnlySequence<byte>.Empty;

        Assert.False(new SmtpReplyParser().TryParse(ref buffer, out _));
    }

    [Theory]
    [ChunkSizes]
    public void LineEndings_LfOnly_Accepted(int chunkSize)
    {
        var replies = ReplyFeeder.ParseAll("220 ready\n250-mx\n250 8BITMIME\n550 5.1.1 no\n", chunkSize);

        Assert.Equal(
            [new SmtpReply(220, null, "ready"), new SmtpReply(250, null, ["mx", "8BITMIME"]), new SmtpReply(550, "5.1.1", "no")],
            replies);
    }

    [Theory]
    [ChunkSizes]
    public void Text_NotUtf8_DecodedAsLatin1(int chunkSize)
    {
        byte[] input = [.. "550 5.1.1 M"u8, 0xFC, .. "ller unbekannt\r\n"u8];

        var reply = Assert.Single(ReplyFeeder.ParseAll(input, chunkSize));

        Assert.Equal(new SmtpReply(550, "5.1.1", "M\u00fcller unbekannt"), reply);
    }

    [Theory]
    [ChunkSizes]
    public void Text_Utf8_DecodedAsUtf8(int chunkSize)
    {
        var reply = Assert.Single(ReplyFeeder.ParseAll("550 5.1.1 Müller 😀 unbekannt\r\n", chunkSize));

        Assert.Equal(new SmtpReply(550, "5.1.1", "Müller 😀 unbekannt"), reply);
    }

    // ── Garbage and limits ──────────────────────────────────────────────────────────────────────

    [Theory]
    [InlineData("hello\r\n")]
    [InlineData("600 x\r\n")]
    [InlineData("100 x\r\n")]
    [InlineData("099 x\r\n")]
    [InlineData("25 x\r\n")]
    [InlineData("250x\r\n")]
    [InlineData("25\r\n")]
    [InlineData("\r\n")]
    [InlineData("2a0 x\r\n")]
    [InlineData(" 250 x\r\n")]
    [InlineData("250\tx\r\n")]
    public void Garbage_NotAReplyLine_ThrowsProtocolException(string input)
    {
        foreach (var size in ChunkSizesAttribute.All)
        {
            Assert.Throws<SmtpProtocolException>(() => ReplyFeeder.ParseAll(input, size));
        }
    }

    [Fact]
    public void Garbage_InsideMultiLineReply_ThrowsProtocolException()
    {
        Assert.Throws<SmtpProtocolException>(() => ReplyFeeder.ParseAll("250-mx\r\nPIPELINING\r\n250 SIZE\r\n", 0));
    }

    [Theory]
    [InlineData("250-mx\r\n251 PIPELINING\r\n")]
    [InlineData("250-mx\r\n550 5.0.0 no\r\n")]
    [InlineData("250-mx\r\n250-a\r\n251-b\r\n250 c\r\n")]
    public void MultiLine_CodeChanges_ThrowsProtocolException(string input)
    {
        foreach (var size in ChunkSizesAttribute.All)
        {
            var exception = Assert.Throws<SmtpProtocolException>(() => ReplyFeeder.ParseAll(input, size));
            Assert.Contains("code changed", exception.Message);
        }
    }

    [Theory]
    [ChunkSizes]
    public void LineLength_ExactlyMaxIncludingCrLf_Accepted(int chunkSize)
    {
        var text = new string('x', SmtpReplyParser.MaxLineLength - "250 \r\n".Length);

        var reply = Assert.Single(ReplyFeeder.ParseAll("250 " + text + "\r\n", chunkSize));

        Assert.Equal(text, Assert.Single(reply.Lines));
    }

    [Theory]
    [ChunkSizes]
    public void LineLength_OneOverMaxWithLf_ThrowsProtocolException(int chunkSize)
    {
        var input = "250 " + new string('x', SmtpReplyParser.MaxLineLength - "250 \r\n".Length + 1) + "\r\n";

        var exception = Assert.Throws<SmtpProtocolException>(() => ReplyFeeder.ParseAll(input, chunkSize));

        Assert.Contains("too long", exception.Message);
    }

    [Fact]
    public void LineLength_MaxOctetsWithoutLf_ThrowsBeforeTheLineEnds()
    {
        // A server that never sends LF must not make the client buffer without bound.
        var feeder = new ReplyFeeder();
        Assert.Empty(feeder.Receive("250 " + new string('x', SmtpReplyParser.MaxLineLength - 5)));
        Assert.Equal(SmtpReplyParser.MaxLineLength - 1, feeder.Unconsumed.Length);

        var exception = Assert.Throws<SmtpProtocolException>(() => feeder.Receive("x"));

        Assert.Contains("too long", exception.Message);
    }

    [Fact]
    public void LineLength_HugeInputWithoutLf_ThrowsAtEveryChunkSize()
    {
        var input = "250 " + new string('x', 100_000);

        foreach (var size in ChunkSizesAttribute.All)
        {
            Assert.Throws<SmtpProtocolException>(() => ReplyFeeder.ParseAll(input, size));
        }
    }

    [Fact]
    public void LineLength_LongLineAfterShortReply_FirstReplyStillReturned()
    {
        var feeder = new ReplyFeeder();

        var replies = feeder.Receive("250 ok\r\n250 " + new string('x', 100));
        var reply = Assert.Single(replies);

        Assert.Equal(new SmtpReply(250, null, "ok"), reply);
    }

    [Theory]
    [ChunkSizes]
    public void Lines_ExactlyMax_Accepted(int chunkSize)
    {
        var input = ManyLines(SmtpReplyParser.MaxLines);

        var reply = Assert.Single(ReplyFeeder.ParseAll(input, chunkSize));

        Assert.Equal(SmtpReplyParser.MaxLines, reply.Lines.Count);
        Assert.Equal("line 255", reply.Lines[^1]);
    }

    [Theory]
    [ChunkSizes]
    public void Lines_OneOverMax_ThrowsProtocolException(int chunkSize)
    {
        var exception = Assert.Throws<SmtpProtocolException>(() => ReplyFeeder.ParseAll(ManyLines(SmtpReplyParser.MaxLines + 1), chunkSize));

        Assert.Contains("too many lines", exception.Message);
    }

    [Fact]
    public void Lines_EndlessContinuation_ThrowsWithoutWaitingForTheLastLine()
    {
        var feeder = new ReplyFeeder();
        var continuation = new StringBuilder();
        for (var i = 0; i <= SmtpReplyParser.MaxLines; i++)
        {
            continuation.Append("250-line ").Append(i).Append("\r\n");
        }

        Assert.Throws<SmtpProtocolException>(() => feeder.Receive(continuation.ToString()));
    }

    /// <summary>A 250 reply of <paramref name="count"/> lines "line 0" … "line n-1".</summary>
    private static string ManyLines(int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append(i < count - 1 ? "250-" : "250 ").Append("line ").Append(i).Append("\r\n");
        }

        return text.ToString();
    }
}
