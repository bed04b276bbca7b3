using EmailAI.Tests.Transcripts;
namespace EmailAI.Tests.Smtp;

/// <summary>Command order (RFC 5321 §4.1.4), path and parameter syntax, and SMTPUTF8 (RFC 6531).</summary>
public sealed class SmtpCommandSyntaxTests
{
    private const string Greeting = "S: 220 mx.example.com ESMTP EmailAI ready";

    private const string Ehlo = """
        C: EHLO client.example.net
        S: 250-mx.example.com Hello [192.0.2.10]
        S: 250-PIPELINING
        S: 250-SIZE 10240000
        S: 250-8BITMIME
        S: 250-ENHANCEDSTATUSCODES
        S: 250 SMTPUTF8
        """;

    [Theory, ChunkSizes]
    public async Task Commands_BeforeEhlo_Return503(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: MAIL FROM:<sender@remote.example>
            S: 503 5.5.1 Send HELO/EHLO first
            C: RCPT TO:<alice@example.com>
            S: 503 5.5.1 Send HELO/EHLO first
            C: DATA
            S: 503 5.5.1 Send HELO/EHLO first
            {Ehlo}
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Policy.Calls);
    }

    [Theory, ChunkSizes]
    public async Task Rcpt_BeforeMail_Returns503(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: RCPT TO:<alice@example.com>
            S: 503 5.5.1 Need MAIL command
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Policy.Calls);
    }

    [Theory, ChunkSizes]
    public async Task Data_WithoutMail_Returns503(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: DATA
            S: 503 5.5.1 Need MAIL command
            C: Subject: not a message
            S: 500 5.5.2 Command not recognized
            """);

        await SmtpTestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Data_WithoutAcceptedRecipients_Returns554AndBodyIsNotTakenAsMessage(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: DATA
            S: 554 5.5.1 No valid recipients
            C: RCPT TO:<nobody@example.com>
            S: 550 5.1.1 Recipient address rejected: user unknown
            C: RCPT TO:<victim@elsewhere.example>
            S: 554 5.7.1 Relay access denied
            C: DATA
            S: 554 5.5.1 No valid recipients
            C: Subject: pipelined body after a refused DATA
            S: 500 5.5.2 Command not recognized
            C: RSET
            S: 250 2.0.0 Reset OK
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(0, harness.Sink.Attempts);
        Assert.False(harness.Session.InData);
    }

    [Theory, ChunkSizes]
    public async Task Data_WithArgument_Returns501(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA now
            S: 501 5.5.4 No parameters allowed
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            """);

        await SmtpTestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Mail_WhileTransactionOpen_Returns503AndKeepsFirstSender(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: MAIL FROM:<first@remote.example>
            S: 250 2.1.0 Sender OK
            C: MAIL FROM:<second@remote.example>
            S: 503 5.5.1 Sender already specified
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: .
            S: 250 2.0.0 OK queued as {"{QID}"}
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var (envelope, _) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("<first@remote.example>", envelope.Sender.ToString());
    }

    [Theory, ChunkSizes]
    public async Task Mail_MalformedPaths_Return501WithSyntaxOrSenderCode(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: MAIL FROM:sender@remote.example
            S: 501 5.5.4 Syntax: MAIL FROM:<address>
            C: MAIL FROM:<sender@remote.example
            S: 501 5.5.4 Syntax: MAIL FROM:<address>
            C: MAIL TO:<sender@remote.example>
            S: 501 5.5.4 Syntax: MAIL FROM:<address>
            C: MAIL FROM:<sender@remote.example>junk
            S: 501 5.5.4 Syntax: MAIL FROM:<address>
            C: MAIL FROM:<sender@remote.example.>
            S: 501 5.1.7 Bad sender address syntax
            C: MAIL FROM:<sender@@remote.example>
            S: 501 5.1.7 Bad sender address syntax
            C: MAIL FROM:<sender>
            S: 501 5.1.7 Bad sender address syntax
            C: MAIL FROM:<postmaster>
            S: 501 5.1.7 Bad sender address syntax
            C: MAIL FROM:<send er@remote.example>
            S: 501 5.1.7 Bad sender address syntax
            C: mail from: <sender@remote.example>
            S: 250 2.1.0 Sender OK
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(EmailAI.Protocols.Smtp.SmtpState.InTransaction, harness.Session.State);
    }

    [Theory, ChunkSizes]
    public async Task Rcpt_MalformedPaths_Return501WithSyntaxOrRecipientCode(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:alice@example.com
            S: 501 5.5.4 Syntax: RCPT TO:<address>
            C: RCPT FROM:<alice@example.com>
            S: 501 5.5.4 Syntax: RCPT TO:<address>
            C: RCPT TO:<alice@example.com.>
            S: 501 5.1.3 Bad recipient address syntax
            C: RCPT TO:<>
            S: 501 5.1.3 Bad recipient address syntax
            C: RCPT TO:<alice@-example.com>
            S: 501 5.1.3 Bad recipient address syntax
            C: RCPT TO:<alice@example.com> NOTIFY=NEVER
            S: 555 5.5.4 Parameter not recognized or not implemented
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Policy.Calls);
    }

    [Theory, ChunkSizes]
    public async Task Paths_WithSourceRoute_AcceptedAndRouteIgnored(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: MAIL FROM:<@relay1.example,@relay2.example:sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<@mx.example.com:alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: .
            S: 250 2.0.0 OK queued as {"{QID}"}
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        var (envelope, _) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("sender@remote.example", envelope.Sender.Mailbox?.ToString());
        var recipient = Assert.Single(envelope.Recipients);
        Assert.Equal("alice@example.com", recipient.Path.Mailbox?.ToString());
        Assert.Equal("mbx-alice", recipient.Route.ToString());
    }

    [Theory, ChunkSizes]
    public async Task Mail_Parameters_UnknownReturns555AndKnownValidated(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: MAIL FROM:<sender@remote.example> FOO=BAR
            S: 555 5.5.4 Parameter not recognized or not implemented
            C: MAIL FROM:<sender@remote.example> RET=FULL
            S: 555 5.5.4 Parameter not recognized or not implemented
            C: MAIL FROM:<sender@remote.example> BODY=BINARYMIME
            S: 501 5.5.4 Invalid parameter value
            C: MAIL FROM:<sender@remote.example> SMTPUTF8=yes
            S: 501 5.5.4 Invalid parameter value
            C: MAIL FROM:<sender@remote.example> SIZE=10 SIZE=10
            S: 501 5.5.4 Syntax: MAIL FROM:<address>
            C: MAIL FROM:<sender@remote.example> body=7bit size=100 smtputf8
            S: 250 2.1.0 Sender OK
            """);

        await SmtpTestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Mail_ParametersAfterHelo_Return555(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: HELO client.example.net
            S: 250 mx.example.com Hello [192.0.2.10]
            C: MAIL FROM:<sender@remote.example> SIZE=100
            S: 555 5.5.4 Parameter not recognized or not implemented
            C: MAIL FROM:<sender@remote.example> BODY=8BITMIME
            S: 555 5.5.4 Parameter not recognized or not implemented
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            """);

        await SmtpTestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Smtputf8_NonAsciiAddressWithoutParameter_Returns553(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: MAIL FROM:<δοκιμή@παράδειγμα.δοκιμή>
            S: 553 5.6.7 Non-ASCII address requires SMTPUTF8
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<пользователь@example.com>
            S: 553 5.6.7 Non-ASCII address requires SMTPUTF8
            """);

        var harness = await SmtpTestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Policy.Calls);
    }

    [Theory, ChunkSizes]
    public async Task Smtputf8_NonAsciiAddressesWithParameter_AcceptedAndDelivered(int chunkSize)
    {
        var harness = new SmtpTestHarness();
        harness.Policy.AddMailbox("пользователь@example.com", "mbx-utf8");
        var transcript = Transcript.Parse($"""
            {Greeting}
            {Ehlo}
            C: MAIL FROM:<δοκιμή@παράδειγμα.δοκιμή> SMTPUTF8
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<пользователь@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: Subject: Привет
            C: .
            S: 250 2.0.0 OK queued as {"{QID}"}
            """);

        await harness.RunAsync(transcript, chunkSize);

        var (envelope, content) = Assert.Single(harness.Sink.Deliveries);
        Assert.True(envelope.Utf8);
        Assert.Equal("<δοκιμή@παράδειγμα.δοκιμή>", envelope.Sender.ToString());
        Assert.Equal("mbx-utf8", Assert.Single(envelope.Recipients).Route.ToString());
        var (trace, message) = SmtpTestHarness.SplitTrace(content);
        Assert.Contains(" with UTF8SMTP id ", trace, StringComparison.Ordinal);
        Assert.Contains("\tfor <пользователь@example.com>;", trace, StringComparison.Ordinal);
        Assert.Equal("Subject: Привет\r\n"u8.ToArray(), message);
    }

    [Fact]
    public async Task Smtputf8_Disabled_NotAdvertisedAndParameterRefused()
    {
        var transcript = Transcript.Parse($"""
            {Greeting}
            C: EHLO client.example.net
            S: 250-mx.example.com Hello [192.0.2.10]
            S: 250-PIPELINING
            S: 250-SIZE 10240000
            S: 250-8BITMIME
            S: 250 ENHANCEDSTATUSCODES
            C: MAIL FROM:<sender@remote.example> SMTPUTF8
            S: 555 5.5.4 Parameter not recognized or not implemented
            C: MAIL FROM:<δοκιμή@remote.example>
            S: 553 5.6.7 Non-ASCII address requires SMTPUTF8
            """);

        await SmtpTestHarness.RunAsync(transcript, 0, o => o.EnableSmtpUtf8 = false);
    }
}
