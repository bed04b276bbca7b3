using System.Text;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// Message text: the end-of-data line, dot-unstuffing, the stored bytes and trace field, and the framing rules
/// that make smuggling impossible (only CRLF.CRLF ends the data; by default a bare LF ends a line and is stored
/// as CRLF and a bare CR is content; under the strict policies bare CR/LF and long lines fail the message whole).
/// </summary>
public sealed class SmtpDataTests
{
    private const string StartMailInput = "354 Start mail input; end with <CRLF>.<CRLF>";
    private const string BareLineEnding = "554 5.6.0 Message contains a bare CR or LF; lines must end in CRLF (RFC 5321 §2.3.8)";
    private const string LineTooLong = "554 5.6.0 Message contains a line longer than 998 octets (RFC 5322 §2.1.1)";

    /// <summary>MAIL, RCPT and DATA of a transaction, to the point where message text comes.</summary>
    private const string NextData = $"""
        C: MAIL FROM:<sender@remote.example>
        S: 250 2.1.0 Sender OK
        C: RCPT TO:<alice@example.com>
        S: 250 2.1.5 Recipient OK
        C: DATA
        S: {StartMailInput}
        """;

    /// <summary>Greeting, EHLO, MAIL, RCPT, DATA and their replies: the client may send message text next.</summary>
    private static Transcript OpenData(string maxSize = "10240000") => Transcript.Parse($"""
        S: 220 mx.example.com ESMTP EmailAI ready
        C: EHLO client.example.net
        S: 250-mx.example.com Hello [192.0.2.10]
        S: 250-PIPELINING
        S: 250-SIZE {maxSize}
        S: 250-8BITMIME
        S: 250-ENHANCEDSTATUSCODES
        S: 250 SMTPUTF8
        """).Append(NextData);

    /// <summary>A complete second transaction, to show the session still works.</summary>
    private static Transcript AppendNextTransaction(Transcript transcript) => transcript.Append("""
        C: MAIL FROM:<next@remote.example>
        S: 250 2.1.0 Sender OK
        C: RCPT TO:<bob@example.com>
        S: 250 2.1.5 Recipient OK
        C: DATA
        S: 354 Start mail input; end with <CRLF>.<CRLF>
        C: Subject: next
        C:
        C: fine
        C: .
        S: 250 2.0.0 OK queued as {QID}
        """);

    private static readonly Action<SmtpOptions> RejectBareLineFeeds = o => o.BareLineFeeds = BareLineFeedPolicy.Reject;

    private static readonly Action<SmtpOptions> RejectLongLines = o => o.LongLines = LongLinePolicy.Reject;

    /// <summary>A message whose text fakes an end of data and then a second transaction, one reply to it, then QUIT.</summary>
    private static Transcript SmugglingAttempt(string fakeEnd, string reply) => OpenData()
        .ClientRaw("Subject: innocent\r\n\r\nhello" + fakeEnd)
        .ClientRaw("MAIL FROM:<evil@remote.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n")
        .Server(reply)
        .Client("QUIT")
        .Server("221 2.0.0 mx.example.com closing connection");

    private static string StoredMessage(SmtpTestHarness harness)
    {
        var (_, content) = Assert.Single(harness.Sink.Deliveries);
        return Encoding.UTF8.GetString(SmtpTestHarness.SplitTrace(content).Message);
    }

    [Theory, ChunkSizes]
    public async Task Data_DotStuffedLines_StoredUnstuffed(int chunkSize)
    {
        var transcript = OpenData()
            .ClientRaw("..\r\n..leading\r\nmiddle ..\r\n...\r\n.x\r\n. \r\nlast\r\n.\r\n")
            .Server("250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(".\r\n.leading\r\nmiddle ..\r\n..\r\nx\r\n \r\nlast\r\n", StoredMessage(harness));
    }

    [Theory, ChunkSizes]
    public async Task Data_DotWithMoreTextOrNotAtLineStart_DoesNotEndMessage(int chunkSize)
    {
        var transcript = OpenData()
            .ClientRaw("Subject: dots\r\n\r\n.QUIT\r\nend.\r\n.\t\r\n x.\r\n.\r\nQUIT\r\n")
            .Server("250 2.0.0 OK queued as {QID}")
            .Server("221 2.0.0 mx.example.com closing connection");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal("Subject: dots\r\n\r\nQUIT\r\nend.\r\n\t\r\n x.\r\n", StoredMessage(harness));
    }

    [Theory, ChunkSizes]
    public async Task Data_EmptyBody_StoresTraceFieldOnly(int chunkSize)
    {
        var transcript = OpenData()
            .Client(".")
            .Server("250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var (_, content) = Assert.Single(harness.Sink.Deliveries);
        var (trace, message) = SmtpTestHarness.SplitTrace(content);
        Assert.StartsWith("Received: ", trace, StringComparison.Ordinal);
        Assert.Empty(message);
    }

    [Theory, ChunkSizes]
    public async Task Data_ArbitraryOctets_StoredByteExact(int chunkSize)
    {
        // 8-bit text that is not UTF-8, NUL, tabs, trailing spaces, "From " lines and empty lines all pass untouched.
        byte[] body =
        [
            .. "Subject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=latin1\r\n\r\n"u8,
            .. "caf"u8, 0xE9, 0x20, 0xFF, 0x00, 0x80, .. "\r\n"u8,
            .. "From the start  \t \r\n"u8,
            .. "\r\n\r\n"u8,
            .. "\tindented\r\n"u8,
            .. "última línea — ünïcödé ✓\r\n"u8,
        ];
        var transcript = OpenData()
            .ClientRaw(body)
            .Client(".")
            .Server("250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var (_, content) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal(body, SmtpTestHarness.SplitTrace(content).Message);
    }

    [Fact]
    public async Task Data_OneRecipient_TraceFieldNamesHeloIpServerQueueIdRecipientAndDataTime()
    {
        // The clock moves on more than an hour, past the default MaxSessionDuration.
        var harness = new SmtpTestHarness(o => o.MaxSessionDuration = TimeSpan.FromHours(2));
        harness.Start();
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\n");
        harness.Time.Advance(new TimeSpan(1, 2, 3));
        await harness.SendAsync("DATA\r\nSubject: trace\r\n\r\nbody\r\n.\r\n");

        var (envelope, content) = Assert.Single(harness.Sink.Deliveries);
        var (trace, message) = SmtpTestHarness.SplitTrace(content);
        Assert.Equal(
            "Received: from client.example.net ([192.0.2.10])\r\n"
            + $"\tby mx.example.com (EmailAI) with ESMTP id {envelope.QueueId}\r\n"
            + "\tfor <alice@example.com>; Fri, 14 Mar 2025 16:11:29 +0000\r\n",
            trace);
        Assert.Equal("Subject: trace\r\n\r\nbody\r\n", Encoding.UTF8.GetString(message));
        Assert.Equal(SmtpTestHarness.StartTime + new TimeSpan(1, 2, 3), envelope.ReceivedAt);
    }

    [Theory, ChunkSizes]
    public async Task Data_TwoRecipients_TraceFieldHasNoForClause(int chunkSize)
    {
        var transcript = Transcript.Parse("""
            S: 220 mx.example.com ESMTP EmailAI ready
            C: HELO client.example.net
            S: 250 mx.example.com Hello [192.0.2.10]
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: RCPT TO:<bob@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: Subject: two
            C: .
            S: 250 2.0.0 OK queued as {QID}
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var (envelope, content) = Assert.Single(harness.Sink.Deliveries);
        var (trace, message) = SmtpTestHarness.SplitTrace(content);
        Assert.Equal(
            "Received: from client.example.net ([192.0.2.10])\r\n"
            + $"\tby mx.example.com (EmailAI) with SMTP id {envelope.QueueId}; Fri, 14 Mar 2025 15:09:26 +0000\r\n",
            trace);
        Assert.DoesNotContain("alice", trace, StringComparison.Ordinal);
        Assert.DoesNotContain("bob", trace, StringComparison.Ordinal);
        Assert.Equal("Subject: two\r\n", Encoding.UTF8.GetString(message));
    }

    [Fact]
    public async Task Data_Ipv6Client_TraceFieldUsesIpv6AddressLiteral()
    {
        // RFC 5321 §4.4 TCP-info = address-literal, and an IPv6 address-literal is "[IPv6:" IPv6-addr "]" (§4.1.3).
        var harness = new SmtpTestHarness(clientIp: "2001:db8::25");
        harness.Start();
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nx\r\n.\r\n");

        var (envelope, content) = Assert.Single(harness.Sink.Deliveries);
        var (trace, _) = SmtpTestHarness.SplitTrace(content);
        Assert.StartsWith("Received: from client.example.net ([IPv6:2001:db8::25])\r\n", trace, StringComparison.Ordinal);
        Assert.Equal("2001:db8::25", envelope.RemoteAddress.ToString());
    }

    [Theory]
    [ChunkSizes("\n.\n", "\r\n.\n", "\n.\r\n", "\n.\n\r\n", "\n\n.\n", "\r\n.\r\r\n", "\r\n..\r\n")]
    public async Task Data_BareLineEndEndOfDataAttemptNormalized_OneMessageWithSmuggledTextAsContent(string fakeEnd, int chunkSize)
    {
        var transcript = SmugglingAttempt(fakeEnd, "250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var stored = StoredMessage(harness);
        Assert.StartsWith("Subject: innocent\r\n\r\nhello", stored, StringComparison.Ordinal);
        Assert.EndsWith("\r\nMAIL FROM:<evil@remote.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", stored.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var call = Assert.Single(harness.Policy.Calls);
        Assert.Equal("<alice@example.com>", call.Recipient.ToString());
    }

    [Theory]
    [ChunkSizes("\n.\n", "\r\n.\n", "\n.\r\n", "\n.\n\r\n", "\n\n.\n")]
    public async Task Data_BareLfEndOfDataAttempt_Rejecting_RefusedWhole554AndSmuggledCommandsNotRun(string fakeEnd, int chunkSize)
    {
        var transcript = SmugglingAttempt(fakeEnd, BareLineEnding);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize, RejectBareLineFeeds);

        Assert.Equal(0, harness.Sink.Attempts);
        var call = Assert.Single(harness.Policy.Calls);
        Assert.Equal("<alice@example.com>", call.Recipient.ToString());
    }

    [Theory]
    [ChunkSizes("\r.\r", "\r.\r\n", "\r\n.\r", "\r\n.\r\r")]
    public async Task Data_BareCrEndOfDataAttemptNormalized_OneMessageBareCrKeptAsContent(string fakeEnd, int chunkSize)
    {
        var transcript = SmugglingAttempt(fakeEnd, "250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var stored = StoredMessage(harness);
        Assert.Contains("hello\r", stored, StringComparison.Ordinal);
        Assert.EndsWith("evil\r\n", stored, StringComparison.Ordinal);
        Assert.Single(harness.Policy.Calls);
    }

    [Theory]
    [ChunkSizes("\r.\r", "\r.\r\n", "\r\n.\r", "\r\n.\r\r")]
    public async Task Data_BareCrEndOfDataAttempt_Rejecting_RefusedWhole554AndSmuggledCommandsNotRun(string fakeEnd, int chunkSize)
    {
        var transcript = SmugglingAttempt(fakeEnd, BareLineEnding);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize, RejectBareLineFeeds);

        Assert.Equal(0, harness.Sink.Attempts);
        Assert.Single(harness.Policy.Calls);
    }

    [Theory, ChunkSizes]
    public async Task Data_BareLfInHeaderNormalized_StoredAsCrLf(int chunkSize)
    {
        var transcript = OpenData()
            .ClientRaw("Subject: a\nX-Two: b\n\nbody\nlast\r\n.\r\n")
            .Server("250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal("Subject: a\r\nX-Two: b\r\n\r\nbody\r\nlast\r\n", StoredMessage(harness));
    }

    [Theory, ChunkSizes]
    public async Task Data_BareLfInHeaderRejecting_RefusedAndNextTransactionDelivers(int chunkSize)
    {
        var transcript = OpenData()
            .ClientRaw("Subject: a\nBcc: injected\r\n\r\nbody\r\n.\r\n")
            .Server(BareLineEnding);
        AppendNextTransaction(transcript);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize, RejectBareLineFeeds);

        var (envelope, _) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("<next@remote.example>", envelope.Sender.ToString());
        Assert.Equal("Subject: next\r\n\r\nfine\r\n", StoredMessage(harness));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public async Task Data_BareLfLinesOver1000OctetsReadEndingAfterLf_RepliesInsteadOfThrowing(int chunkSize)
    {
        // Regression: a read ending right after an LF, with the bare-LF "line" already past the limit, made
        // ProcessData slice at -1 (ArgumentOutOfRangeException): Kestrel logged it and the client got no reply.
        var harness = new SmtpTestHarness();
        harness.Start();
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n");
        var lines = string.Concat(Enumerable.Repeat("bare lf line\n", 100));

        var during = await harness.SendAsync(lines, chunkSize);
        var atEnd = await harness.SendAsync("\r\n.\r\n");

        Assert.Empty(during);
        Assert.Equal(250, Assert.Single(atEnd).Code);
        Assert.Equal(lines.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n", StoredMessage(harness));
    }

    [Theory]
    [ChunkSizes(998, 999)]
    public async Task Data_LineAtOrPastMaxDataLineLengthByDefault_StoredByteExact(int length, int chunkSize)
    {
        // 998 + CRLF is the limit; by default (LongLines=accept, as Postfix) a longer line is stored as received.
        // At the limit under LongLines=reject: SmtpSegmentedInputTests.
        var line = new string('x', length - 1) + "y";
        var transcript = OpenData()
            .ClientRaw("Subject: long\r\n\r\n" + line + "\r\n.\r\n")
            .Server("250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal("Subject: long\r\n\r\n" + line + "\r\n", StoredMessage(harness));
    }

    [Theory, ChunkSizes]
    public async Task Data_LineOf999OctetsRejecting_Refused554NothingStoredAndNextTransactionDelivers(int chunkSize)
    {
        var transcript = OpenData()
            .ClientRaw("Subject: too long\r\n\r\n" + new string('x', 999) + "\r\n.\r\n")
            .Server(LineTooLong);
        AppendNextTransaction(transcript);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize, RejectLongLines);

        Assert.Equal(1, harness.Sink.Attempts);
        Assert.Equal("Subject: next\r\n\r\nfine\r\n", StoredMessage(harness));
    }

    [Theory, ChunkSizes]
    public async Task Data_DotStuffedLineOf998Octets_StoredUnstuffed(int chunkSize)
    {
        // RFC 5321 §4.5.3.1.6: 1000 octets per line "not counting the leading dot duplicated for transparency".
        // On the wire this line is 1001 octets; the text line it carries is 998 + CRLF.
        var line = "." + new string('x', 997);
        var transcript = OpenData()
            .ClientRaw("Subject: stuffed\r\n\r\n." + line + "\r\n.\r\n")
            .Server("250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal("Subject: stuffed\r\n\r\n" + line + "\r\n", StoredMessage(harness));
    }

    [Theory, ChunkSizes]
    public async Task Data_EndlessLineOf100KilobytesRejecting_Refused554WithBoundedBuffering(int chunkSize)
    {
        var transcript = OpenData()
            .ClientRaw("Subject: flood\r\n\r\n" + new string('z', 100 * 1024) + "\r\n.\r\n")
            .Server(LineTooLong);
        AppendNextTransaction(transcript);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize, RejectLongLines);

        Assert.Equal("Subject: next\r\n\r\nfine\r\n", StoredMessage(harness));
        Assert.True(harness.MaxUnconsumedBytes <= harness.Options.MaxDataLineLength, $"buffered {harness.MaxUnconsumedBytes} bytes");
    }

    [Theory, ChunkSizes]
    public async Task Data_EndlessLineWithoutLfOverMaxMessageSize_Refused552NothingBufferedAndNextTransactionDelivers(int chunkSize)
    {
        // Long lines are accepted by default, so only the size limit stops a line that never ends.
        var transcript = OpenData("4096")
            .ClientRaw("Subject: flood\r\n\r\n" + new string('z', 64 * 1024) + "\r\n.\r\n")
            .Server("552 5.3.4 Message size exceeds fixed limit");
        AppendNextTransaction(transcript);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize, o => o.MaxMessageSize = 4096);

        Assert.Equal(1, harness.Sink.Attempts);
        Assert.Equal("Subject: next\r\n\r\nfine\r\n", StoredMessage(harness));
        Assert.True(harness.MaxUnconsumedBytes <= harness.Options.MaxCommandLineLength, $"buffered {harness.MaxUnconsumedBytes} bytes");
    }

    [Theory, ChunkSizes]
    public async Task Data_BodyExactlyAtMaxMessageSizeAfterUnstuffing_Delivered(int chunkSize)
    {
        // Unstuffed: ".dot\r\n" (6) + 92 'y' + CRLF (94) = 100 octets; 101 on the wire.
        var body = ".dot\r\n" + new string('y', 92) + "\r\n";
        var transcript = OpenData("100")
            .ClientRaw("." + body + ".\r\n")
            .Server("250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize, o => o.MaxMessageSize = 100);

        Assert.Equal(body, StoredMessage(harness));
    }

    [Theory, ChunkSizes]
    public async Task Data_BodyOneOctetOverMaxMessageSize_Refused552NothingStoredAndNextTransactionDelivers(int chunkSize)
    {
        var transcript = OpenData("100")
            .ClientRaw(".." + "dot\r\n" + new string('y', 93) + "\r\n.\r\n")
            .Server("552 5.3.4 Message size exceeds fixed limit");
        AppendNextTransaction(transcript);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize, o => o.MaxMessageSize = 100);

        Assert.Equal(1, harness.Sink.Attempts);
        Assert.Equal("Subject: next\r\n\r\nfine\r\n", StoredMessage(harness));
    }

    /// <summary>A Subject field of exactly <paramref name="octets"/> octets with its CRLF, folded into lines of 900.</summary>
    private static string FoldedSubject(int octets)
    {
        var field = new StringBuilder("Subject: x");
        while (field.Length + 2 < octets)
        {
            var room = octets - field.Length - 2;
            field.Append(room > 901 ? "\r\n " + new string('f', 898) : room >= 3 ? "\r\n " + new string('f', room - 3) : new string('f', room));
        }

        field.Append("\r\n");
        Assert.Equal(octets, field.Length);
        return field.ToString();
    }

    [Theory, ChunkSizes]
    public async Task Data_FoldedFieldExactlyAtDefaultMaxHeaderFieldSize_Delivered(int chunkSize)
    {
        var subject = FoldedSubject(102_400);
        var transcript = OpenData()
            .ClientRaw(subject + "From: a@remote.example\r\n\r\nbody\r\n.\r\n")
            .Server("250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(subject + "From: a@remote.example\r\n\r\nbody\r\n", StoredMessage(harness));
    }

    [Theory, ChunkSizes]
    public async Task Data_FoldedFieldOneOctetOverDefaultMaxHeaderFieldSize_Refused552NothingStoredAndNextTransactionDelivers(int chunkSize)
    {
        var transcript = OpenData()
            .ClientRaw(FoldedSubject(102_401) + "\r\nbody\r\n.\r\n")
            .Server("552 5.3.4 Message header exceeds fixed limit");
        AppendNextTransaction(transcript);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(1, harness.Sink.Attempts);
        Assert.Equal("Subject: next\r\n\r\nfine\r\n", StoredMessage(harness));
    }

    [Theory, ChunkSizes]
    public async Task Data_HeaderOfFieldsUnderTheirLimitButOverDefaultMaxHeaderSize_Refused552AndAtTheLimitDelivered(int chunkSize)
    {
        // Eleven fields of 95,000 octets and one that brings the header to 1 MiB exactly, then one octet more.
        var fields = string.Concat(Enumerable.Range(0, 11).Select(_ => FoldedSubject(95_000)));
        var atLimit = fields + FoldedSubject(1_048_576 - fields.Length);
        var over = fields + FoldedSubject(1_048_577 - fields.Length);
        var transcript = OpenData()
            .ClientRaw(atLimit + "\r\nbody\r\n.\r\n")
            .Server("250 2.0.0 OK queued as {QID}")
            .Append(NextData)
            .ClientRaw(over + "\r\nbody\r\n.\r\n")
            .Server("552 5.3.4 Message header exceeds fixed limit");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(1, harness.Sink.Attempts);
        Assert.Equal(atLimit + "\r\nbody\r\n", StoredMessage(harness));
    }

    [Theory, ChunkSizes]
    public async Task Data_LongFoldedLinesInTheBody_NotAHeaderAndDelivered(int chunkSize)
    {
        // After the empty line, and after a line that is no field (the header ended there, as a parser ends it).
        var body = FoldedSubject(300_000);
        var transcript = OpenData()
            .ClientRaw("Subject: s\r\n\r\n" + body + ".\r\n")
            .Server("250 2.0.0 OK queued as {QID}")
            .Append(NextData)
            .ClientRaw("Subject: s\r\nno field here\r\n" + body + ".\r\n")
            .Server("250 2.0.0 OK queued as {QID}");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(2, harness.Sink.Attempts);
    }
}
