using System.Text;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Smtp;

/// <summary>Whole sessions replayed at every read size: greeting, EHLO/HELO, transactions, the simple commands.</summary>
public sealed class SmtpSessionTests
{
    private const string Greeting = "S: 220 mx.example.com ESMTP EmailAI ready";

    private const string EhloReply = """
        S: 250-mx.example.com Hello [192.0.2.10]
        S: 250-PIPELINING
        S: 250-SIZE 10240000
        S: 250-8BITMIME
        S: 250-ENHANCEDSTATUSCODES
        S: 250 SMTPUTF8
        """;

    private const string Message = "From: sender@remote.example\r\nTo: alice@example.com\r\nSubject: Hello\r\n\r\nHi Alice.\r\n";

    [Theory, ChunkSizes]
    public async Task Session_EhloMailRcptDataQuit_DeliversMessageExactly(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: EHLO client.example.net
            {EhloReply}
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: From: sender@remote.example
            C: To: alice@example.com
            C: Subject: Hello
            C:
            C: Hi Alice.
            C: .
            S: 250 2.0.0 OK queued as {"{QID}"}
            C: QUIT
            S: 221 2.0.0 mx.example.com closing connection
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.True(harness.Session.IsClosed);
        var (envelope, content) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("<sender@remote.example>", envelope.Sender.ToString());
        var recipient = Assert.Single(envelope.Recipients);
        Assert.Equal("<alice@example.com>", recipient.Path.ToString());
        Assert.Equal("mbx-alice", recipient.Route.ToString());
        Assert.Equal("client.example.net", envelope.HeloName);
        Assert.Equal(SmtpTestHarness.ClientIp, envelope.RemoteAddress.ToString());
        Assert.False(envelope.Utf8);
        Assert.Equal(SmtpTestHarness.StartTime, envelope.ReceivedAt);
        Assert.Equal(SmtpReplies.MessageAccepted(envelope.QueueId).ToString(), harness.Replies[^2].ToString());
        Assert.Equal(Message, Encoding.UTF8.GetString(SmtpTestHarness.SplitTrace(content).Message));
        Assert.Equal(0, harness.UnconsumedBytes);
    }

    [Theory, ChunkSizes]
    public async Task Helo_ValidName_Returns250WithoutKeywordsAndDelivers(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: HELO client.example.net
            S: 250 mx.example.com Hello [192.0.2.10]
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: Subject: plain SMTP
            C:
            C: body
            C: .
            S: 250 2.0.0 OK queued as {"{QID}"}
            C: QUIT
            S: 221 2.0.0 mx.example.com closing connection
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var (envelope, content) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("client.example.net", envelope.HeloName);
        var (trace, message) = SmtpTestHarness.SplitTrace(content);
        Assert.Contains(" with SMTP id ", trace, StringComparison.Ordinal);
        Assert.Equal("Subject: plain SMTP\r\n\r\nbody\r\n", Encoding.UTF8.GetString(message));
    }

    [Theory, ChunkSizes]
    public async Task Ehlo_EmptyOrTwoWordName_Returns501(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: EHLO
            S: 501 5.5.4 Syntax: EHLO hostname
            C: EHLO two words
            S: 501 5.5.4 Syntax: EHLO hostname
            C: MAIL FROM:<sender@remote.example>
            S: 503 5.5.1 Send HELO/EHLO first
            C: EHLO [192.0.2.10]
            {EhloReply}
            """);

        await SmtpTestHarness.RunAsync(transcript, chunkSize);
    }

    [Fact]
    public async Task Pipelining_WholeTransactionInOneRead_AnswersEveryCommandInOrderInOneBatch()
    {
        var harness = new SmtpTestHarness();
        harness.Start();
        await harness.SendLineAsync("EHLO client.example.net");
        var readsBefore = harness.Reads;

        var replies = await harness.SendAsync(
            "MAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n"
            + "Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n");

        Assert.Equal([250, 250, 250, 354, 250, 221], replies.Select(r => r.Code));
        Assert.Equal(readsBefore + 1, harness.Reads);
        Assert.True(harness.Session.IsClosed);
        var (envelope, _) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal(["mbx-alice", "mbx-bob"], envelope.Recipients.Select(r => r.Route.ToString()));
    }

    [Theory, ChunkSizes]
    public async Task Pipelining_TransactionAndQuitInOnePacket_DeliversAndCloses(int chunkSize)
    {
        var transcript = new Transcript()
            .Append(Greeting)
            .Client("EHLO client.example.net")
            .Append(EhloReply)
            .ClientRaw("MAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: one packet\r\n\r\nx\r\n.\r\nQUIT\r\n")
            .Append("""
                S: 250 2.1.0 Sender OK
                S: 250 2.1.5 Recipient OK
                S: 354 Start mail input; end with <CRLF>.<CRLF>
                S: 250 2.0.0 OK queued as {QID}
                S: 221 2.0.0 mx.example.com closing connection
                """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var (_, content) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("Subject: one packet\r\n\r\nx\r\n", Encoding.UTF8.GetString(SmtpTestHarness.SplitTrace(content).Message));
    }

    [Theory, ChunkSizes]
    public async Task Session_TwoMessages_BothDeliveredWithOwnEnvelopeAndQueueId(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: EHLO client.example.net
            {EhloReply}
            C: MAIL FROM:<first@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: Subject: one
            C:
            C: first
            C: .
            S: 250 2.0.0 OK queued as {"{QID}"}
            C: MAIL FROM:<>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<bob@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: Subject: two
            C:
            C: second
            C: .
            S: 250 2.0.0 OK queued as {"{QID}"}
            C: QUIT
            S: 221 2.0.0 mx.example.com closing connection
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(2, harness.Sink.Deliveries.Count);
        var (first, firstContent) = harness.Sink.Deliveries[0];
        var (second, secondContent) = harness.Sink.Deliveries[1];
        Assert.Equal("<first@remote.example>", first.Sender.ToString());
        Assert.Equal("mbx-alice", Assert.Single(first.Recipients).Route.ToString());
        Assert.True(second.Sender.IsNull);
        Assert.Equal("mbx-bob", Assert.Single(second.Recipients).Route.ToString());
        Assert.NotEqual(first.QueueId, second.QueueId);
        Assert.Equal("Subject: one\r\n\r\nfirst\r\n", Encoding.UTF8.GetString(SmtpTestHarness.SplitTrace(firstContent).Message));
        Assert.Equal("Subject: two\r\n\r\nsecond\r\n", Encoding.UTF8.GetString(SmtpTestHarness.SplitTrace(secondContent).Message));
    }

    [Theory, ChunkSizes]
    public async Task Rset_InTransaction_ClearsSenderAndRecipients(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: EHLO client.example.net
            {EhloReply}
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: RSET
            S: 250 2.0.0 Reset OK
            C: RCPT TO:<bob@example.com>
            S: 503 5.5.1 Need MAIL command
            C: DATA
            S: 503 5.5.1 Need MAIL command
            C: RSET now
            S: 501 5.5.4 No parameters allowed
            C: MAIL FROM:<other@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<bob@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: x
            C: .
            S: 250 2.0.0 OK queued as {"{QID}"}
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var (envelope, _) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("<other@remote.example>", envelope.Sender.ToString());
        Assert.Equal("mbx-bob", Assert.Single(envelope.Recipients).Route.ToString());
    }

    [Theory, ChunkSizes]
    public async Task Ehlo_InTransaction_ResetsTransaction(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: EHLO client.example.net
            {EhloReply}
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: EHLO client.example.net
            {EhloReply}
            C: DATA
            S: 503 5.5.1 Need MAIL command
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Sink.Deliveries);
    }

    [Theory, ChunkSizes]
    public async Task SimpleCommands_Noop_Help_Vrfy_AnswerWithoutSideEffects(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: NOOP
            S: 250 2.0.0 OK
            C: noop whatever
            S: 250 2.0.0 OK
            C: HELP
            S: 214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP. See RFC 5321
            C: VRFY alice@example.com
            S: 252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery
            C: VRFY nobody@example.com
            S: 252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery
            C: VRFY
            S: 501 5.5.4 Syntax: VRFY address
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Policy.Calls);
        Assert.False(harness.Session.IsClosed);
    }

    [Theory, ChunkSizes]
    public async Task UnknownAndUnimplementedCommands_Return500And502(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: EHLO client.example.net
            {EhloReply}
            C: FOO bar
            S: 500 5.5.2 Command not recognized
            C:
            S: 500 5.5.2 Command not recognized
            C: EXPN staff
            S: 502 5.5.1 Command not implemented
            C: STARTTLS
            S: 502 5.5.1 Command not implemented
            C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
            S: 502 5.5.1 Command not implemented
            C: NOOP
            S: 250 2.0.0 OK
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.False(harness.Session.IsClosed);
    }

    [Theory, ChunkSizes]
    public async Task Quit_AnyTime_Returns221ClosesAndIgnoresWhatFollows(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: EHLO client.example.net
            {EhloReply}
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: QUIT
            S: 221 2.0.0 mx.example.com closing connection
            C: DATA
            C: Subject: after quit
            C: .
            C: NOOP
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.True(harness.Session.IsClosed);
        Assert.Equal(0, harness.Sink.Attempts);
    }

    [Theory, ChunkSizes]
    public async Task HttpRequest_OnSmtpPort_Returns221AndCloses(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: GET / HTTP/1.1
            S: 221 2.7.0 This is an SMTP server, closing connection
            C: Host: mx.example.com
            C:
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.True(harness.Session.IsClosed);
    }

    [Theory, ChunkSizes]
    public async Task CommandLine_InvalidUtf8_Returns500AndSessionContinues(int chunkSize)
    {
        var transcript = new Transcript()
            .Append(Greeting)
            .Client("EHLO client.example.net")
            .Append(EhloReply)
            .ClientRaw([.. "MAIL FROM:<a"u8, 0xC3, (byte)'(', .. "@remote.example>\r\n"u8])
            .Server("500 5.5.2 Command not recognized")
            .ClientRaw([.. "NOOP "u8, 0xFF, 0xFE, .. "\r\n"u8])
            .Server("500 5.5.2 Command not recognized")
            .Append("""
                C: MAIL FROM:<sender@remote.example>
                S: 250 2.1.0 Sender OK
                """);

        await SmtpTestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Rcpt_BarePostmaster_AcceptedThroughPolicy(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: EHLO client.example.net
            {EhloReply}
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<Postmaster>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: Subject: abuse report
            C: .
            S: 250 2.0.0 OK queued as {"{QID}"}
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var call = Assert.Single(harness.Policy.Calls);
        Assert.True(call.Recipient.IsBarePostmaster);
        var (envelope, _) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal(FakeRecipientPolicy.PostmasterDestination, Assert.Single(envelope.Recipients).Route.ToString());
    }

    [Theory, ChunkSizes]
    public async Task Rcpt_UnknownLocalAndRemoteRecipients_Refused550And554(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: EHLO client.example.net
            {EhloReply}
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<nobody@example.com>
            S: 550 5.1.1 Recipient address rejected: user unknown
            C: RCPT TO:<victim@elsewhere.example>
            S: 554 5.7.1 Relay access denied
            C: RCPT TO:<ALICE@Example.COM>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: x
            C: .
            S: 250 2.0.0 OK queued as {"{QID}"}
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var (envelope, _) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("mbx-alice", Assert.Single(envelope.Recipients).Route.ToString());
        Assert.Equal(3, harness.Policy.Calls.Count);
        Assert.All(harness.Policy.Calls, call => Assert.Equal("client.example.net", call.Session.HeloName));
    }
}
