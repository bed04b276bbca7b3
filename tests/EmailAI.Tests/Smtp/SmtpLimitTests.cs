using System.Globalization;
using System.Text;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Smtp;

/// <summary>Command line length, declared and actual message size, recipients per message, errors per session.</summary>
public sealed class SmtpLimitTests
{
    [Theory, ChunkSizes]
    public async Task CommandLine_Of512OctetsWithCrLf_Accepted(int chunkSize)
    {
        var line = "NOOP " + new string('x', 505);
        Assert.Equal(510, line.Length);
        var transcript = Transcript.Parse(SmtpOpenings.Ehlo)
            .Client(line)
            .Server("250 2.0.0 OK");

        await SmtpTestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task CommandLine_Of513OctetsWithCrLf_Returns500AndSessionContinues(int chunkSize)
    {
        var transcript = Transcript.Parse(SmtpOpenings.Ehlo)
            .Client("NOOP " + new string('x', 506))
            .Server("500 5.5.2 Line too long")
            .Client("MAIL FROM:<sender@remote.example>")
            .Server("250 2.1.0 Sender OK");

        await SmtpTestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    [InlineData(512)]
    public async Task Pipelining_OneMegabyteOfHelp_EveryReplyInOrderAndNoBatchPastMaxPendingReplyBytes(int chunkSize)
    {
        // A client that pipelines without reading once made one read's replies 14 MB, held several times over.
        // HELP is a junk command: the junk limit (SmtpJunkCommandTests) would end this session after 120.
        var harness = new SmtpTestHarness(o => o.MaxJunkCommands = int.MaxValue);
        harness.Start();
        const int count = 1024 * 1024 / 6;

        var replies = await harness.SendAsync(string.Concat(Enumerable.Repeat("HELP\r\n", count)) + "QUIT\r\n", chunkSize);

        Assert.Equal(count + 1, replies.Count);
        Assert.All(replies.Take(count), reply => Assert.Equal(SmtpReplies.Help, reply));
        Assert.Equal(221, replies[^1].Code);
        var bound = harness.Options.MaxPendingReplyBytes + SmtpReplies.Help.WireLength;
        Assert.True(harness.MaxBatchReplyBytes <= bound, $"one batch held {harness.MaxBatchReplyBytes} reply octets (bound {bound})");
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(1, -1, 1)]
    [InlineData(3, 0, 3)]
    [InlineData(3, 1, 4)]
    public async Task MaxPendingReplyBytes_AtJustPastOrBelowWholeReplies_StopsAfterTheReplyThatReachesIt(int boundInReplies, int extra, int perBatch)
    {
        // A bound of zero or less still lets one command through per call, so the host always makes progress.
        var length = SmtpReplies.Help.WireLength;
        var harness = new SmtpTestHarness(o => o.MaxPendingReplyBytes = boundInReplies * length + extra);
        harness.Start();
        var before = harness.Reads;

        var replies = await harness.SendAsync(string.Concat(Enumerable.Repeat("HELP\r\n", 12)));

        Assert.Equal(12, replies.Count);
        Assert.Equal(perBatch * length, harness.MaxBatchReplyBytes);
        // One call per full batch: the last one leaves nothing to offer again.
        Assert.Equal(before + 12 / perBatch, harness.Reads);
    }

    [Theory, ChunkSizes]
    public async Task CommandLine_Endless100KilobytesThenValidCommand_OneErrorThenCommandRunsWithBoundedBuffering(int chunkSize)
    {
        var transcript = Transcript.Parse(SmtpOpenings.Ehlo)
            .ClientRaw("MAIL FROM:<" + new string('a', 100 * 1024))
            .Client(">")
            .Server("500 5.5.2 Line too long")
            .Client("MAIL FROM:<sender@remote.example>")
            .Server("250 2.1.0 Sender OK");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.True(harness.MaxUnconsumedBytes < harness.Options.MaxCommandLineLength, $"buffered {harness.MaxUnconsumedBytes} bytes");
    }

    [Theory, ChunkSizes]
    public async Task MailSize_DeclaredOverLimit_Returns552AndAtLimitAccepted(int chunkSize)
    {
        var transcript = Transcript.Parse(SmtpOpenings.Ehlo + """

            C: MAIL FROM:<sender@remote.example> SIZE=10240001
            S: 552 5.3.4 Message size exceeds fixed limit
            C: MAIL FROM:<sender@remote.example> SIZE=99999999999999999999999
            S: 552 5.3.4 Message size exceeds fixed limit
            C: MAIL FROM:<sender@remote.example> SIZE=-1
            S: 501 5.5.4 Invalid parameter value
            C: MAIL FROM:<sender@remote.example> SIZE
            S: 501 5.5.4 Invalid parameter value
            C: MAIL FROM:<sender@remote.example> SIZE=10240000 BODY=8BITMIME
            S: 250 2.1.0 Sender OK
            """);

        await SmtpTestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Rcpt_OverDefaultLimitOf1000_Returns452AndDataDeliversToFirst1000(int chunkSize)
    {
        var harness = new SmtpTestHarness();
        Assert.Equal(1000, harness.Options.MaxRecipients);
        var transcript = Transcript.Parse(SmtpOpenings.Ehlo + """

            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            """);
        for (var i = 0; i < 1001; i++)
        {
            var address = $"user{i.ToString("D4", CultureInfo.InvariantCulture)}@example.com";
            harness.Policy.AddMailbox(address, "mbx-" + i.ToString(CultureInfo.InvariantCulture));
            transcript.Client($"RCPT TO:<{address}>");
        }

        transcript.Server("250 2.1.5 Recipient OK", 1000)
            .Server("452 4.5.3 Too many recipients")
            .Append("""
                C: DATA
                S: 354 Start mail input; end with <CRLF>.<CRLF>
                C: Subject: many
                C: .
                S: 250 2.0.0 OK queued as {QID}
                """);

        await harness.RunAsync(transcript, chunkSize);

        var (envelope, content) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal(1000, envelope.Recipients.Count);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => "mbx-" + i.ToString(CultureInfo.InvariantCulture)), envelope.Recipients.Select(r => r.Route.ToString()));
        Assert.Equal(1000, harness.Policy.Calls.Count);
        Assert.DoesNotContain("\tfor ", SmtpTestHarness.SplitTrace(content).Trace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rcpt_OverLimitManyTimes_DoesNotCountTowardErrorLimit()
    {
        var harness = new SmtpTestHarness(o => o.MaxRecipients = 2);
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
            """);
        for (var i = 0; i < 30; i++)
        {
            transcript.Client("RCPT TO:<alice@example.com>").Server("452 4.5.3 Too many recipients");
        }

        transcript.Append("""
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: .
            S: 250 2.0.0 OK queued as {QID}
            """);

        await harness.RunAsync(transcript, 0);

        Assert.False(harness.Session.IsClosed);
        Assert.Single(harness.Sink.Deliveries);
    }

    /// <summary>
    /// Regression (black-box attack): RCPTs past the recipient limit never counted as errors, so one connection
    /// could send them for ever — 1.37 million 452s and 543 MB of log lines in 10 s. Past
    /// MaxRecipientOvershoot each one counts (Postfix's smtpd_recipient_overshoot_limit).
    /// </summary>
    [Theory, ChunkSizes]
    public async Task Rcpt_PastTheOvershootLimit_CountsTowardErrorsAndCloses(int chunkSize)
    {
        var transcript = Transcript.Parse("""
            S: 220 mx.example.com ESMTP EmailAI ready
            C: HELO client.example.net
            S: 250 mx.example.com Hello [192.0.2.10]
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            """);

        // Three over the limit are tolerated (the overshoot), in this transaction and the next.
        transcript.Client("RCPT TO:<bob@example.com>").Server("452 4.5.3 Too many recipients");
        transcript.Client("RCPT TO:<bob@example.com>").Server("452 4.5.3 Too many recipients");
        transcript.Append("""
            C: RSET
            S: 250 2.0.0 Reset OK
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            """);
        transcript.Client("RCPT TO:<bob@example.com>").Server("452 4.5.3 Too many recipients");

        // The fourth and fifth excess RCPTs are errors; with MaxErrors 2 the fifth ends the session.
        transcript.Client("RCPT TO:<bob@example.com>").Server("452 4.5.3 Too many recipients");
        transcript.Client("RCPT TO:<bob@example.com>").Server("452 4.5.3 Too many recipients");
        transcript.Server("421 4.7.0 Too many errors, closing connection");

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize, o =>
        {
            o.MaxRecipients = 1;
            o.MaxRecipientOvershoot = 3;
            o.MaxErrors = 2;
        });

        Assert.True(harness.Session.IsClosed);
        Assert.Empty(harness.Sink.Deliveries);
    }

    [Theory, ChunkSizes]
    public async Task Errors_TwentiethError_Returns421ClosesAndIgnoresFurtherInput(int chunkSize)
    {
        var transcript = Transcript.Parse(SmtpOpenings.Ehlo);
        for (var i = 0; i < 19; i++)
        {
            transcript.Client("BOGUS").Server("500 5.5.2 Command not recognized");
        }

        transcript.Append("""
            C: NOOP
            S: 250 2.0.0 OK
            C: RCPT TO:<alice@example.com>
            S: 503 5.5.1 Need MAIL command
            S: 421 4.7.0 Too many errors, closing connection
            C: MAIL FROM:<sender@remote.example>
            C: RCPT TO:<alice@example.com>
            C: DATA
            C: Subject: after 421
            C: .
            C: QUIT
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.True(harness.Session.IsClosed);
        Assert.Empty(harness.Policy.Calls);
        Assert.Equal(0, harness.Sink.Attempts);
    }

    [Fact]
    public async Task Errors_SessionClosedBy421_ProcessAsyncReturnsNoRepliesForNewInput()
    {
        var harness = new SmtpTestHarness(o => o.MaxErrors = 1);
        harness.Start();
        await harness.SendLineAsync("BOGUS");
        Assert.True(harness.Session.IsClosed);

        var replies = await harness.SendAsync(Encoding.ASCII.GetBytes("EHLO client.example.net\r\nNOOP\r\nQUIT\r\n"));

        Assert.Empty(replies);
        Assert.Equal((421, "4.7.0"), (harness.Replies[^1].Code, harness.Replies[^1].EnhancedCode));
    }

    [Theory, ChunkSizes]
    public async Task ReceivedFields_50Accepted_51RefusedAsALoop(int chunkSize)
    {
        var harness = new SmtpTestHarness();
        harness.Policy.AddMailbox("alice@example.com", "mbx-alice");
        var transcript = Transcript.Parse(SmtpOpenings.EhloMail + """

            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            """);
        AddHops(transcript, 50);
        transcript.Server("250 2.0.0 OK queued as {QID}").Append("""
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            """);
        AddHops(transcript, 51);
        transcript.Server("554 5.4.6 Too many hops: the message has passed through too many servers, probably a mail loop");

        await harness.RunAsync(transcript, chunkSize);

        Assert.Single(harness.Sink.Deliveries);

        static void AddHops(Transcript transcript, int count)
        {
            for (var i = 0; i < count; i++)
            {
                transcript.Client($"Received: from hop{i}.example by hop{i + 1}.example; Tue, 24 Nov 2026 10:00:00 +0000");
            }

            // A Received field after the header block is body text and does not count.
            transcript.Client("Subject: loop").Client("").Client("Received: in the body").Client(".");
        }
    }
}
