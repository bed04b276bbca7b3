using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// What the session reports for the log (ISmtpSessionEvents): every refusal with client, HELO, sender,
/// recipient, reply and reason; each accepted message with its queue id and routes; the session's counts.
/// </summary>
public sealed class SmtpSessionEventsTests
{
    private const string Open = "EHLO client.example.net\r\nMAIL FROM:<sender@remote.example>\r\n";

    private static async Task<SmtpTestHarness> RunAsync(string input, Action<SmtpOptions>? configure = null)
    {
        var harness = new SmtpTestHarness(configure);
        harness.Start();
        await harness.SendAsync(input);
        return harness;
    }

    [Fact]
    public async Task Rcpt_RelayDenied_RejectionCarriesClientHeloSenderRecipientReplyAndPolicyReason()
    {
        var harness = await RunAsync(Open + "RCPT TO:<carol@elsewhere.example>\r\n");

        var rejection = Assert.Single(harness.Events.Rejections);
        Assert.Equal(SmtpTestHarness.ClientIp, rejection.RemoteAddress.ToString());
        Assert.Equal("RCPT TO:<carol@elsewhere.example>", rejection.Command);
        Assert.Equal(SmtpReplies.RelayDenied, rejection.Reply);
        Assert.Equal("<sender@remote.example>", rejection.Sender);
        Assert.Equal("<carol@elsewhere.example>", rejection.Recipient);
        Assert.Equal("client.example.net", rejection.HeloName);
        Assert.Equal("ESMTP", rejection.Protocol);
        Assert.Equal($"relay not permitted for [{SmtpTestHarness.ClientIp}]", rejection.Reason);
        Assert.Null(rejection.QueueId);
    }

    [Fact]
    public async Task Rcpt_UnknownUser_ReasonFromVerdict()
    {
        var harness = await RunAsync(Open + "RCPT TO:<nobody@example.com>\r\n");

        var rejection = Assert.Single(harness.Events.Rejections);
        Assert.Equal(SmtpReplies.UnknownUser, rejection.Reply);
        Assert.Equal("no such account", rejection.Reason);
    }

    [Fact]
    public async Task Rcpt_PastRecipientLimit_452WithLimitAsReason()
    {
        var harness = await RunAsync(Open + "RCPT TO:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\n", o => o.MaxRecipients = 1);

        var rejection = Assert.Single(harness.Events.Rejections);
        Assert.Equal(SmtpReplies.TooManyRecipients, rejection.Reply);
        Assert.Equal("<bob@example.com>", rejection.Recipient);
        Assert.Equal("recipient limit of 1 per message reached", rejection.Reason);
    }

    [Fact]
    public async Task Data_OverMaxMessageSize_552UnderItsQueueIdWithSizeAsReason()
    {
        var harness = await RunAsync(Open + "RCPT TO:<alice@example.com>\r\nDATA\r\n" + new string('x', 200) + "\r\n.\r\n", o => o.MaxMessageSize = 100);

        var rejection = Assert.Single(harness.Events.Rejections);
        Assert.Equal(SmtpReplies.MessageTooBig, rejection.Reply);
        Assert.Equal("END-OF-MESSAGE", rejection.Command);
        Assert.Equal("<sender@remote.example>", rejection.Sender);
        Assert.Equal("<alice@example.com>", rejection.Recipient);
        Assert.Matches("^[0-9A-Z]+$", rejection.QueueId);
        Assert.Equal("message of 202 octets over the limit of 100", rejection.Reason);
    }

    [Theory]
    [InlineData("bare\nlf\r\n", "BareLineFeed")]
    [InlineData("bare\rcr\r\n", "BareCarriageReturn")]
    [InlineData("long " + "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\r\n", "longer than 98 octets")]
    public async Task Data_StrictPolicyRefusal_554WithDefectAsReason(string body, string reason)
    {
        var harness = await RunAsync(
            Open + "RCPT TO:<alice@example.com>\r\nDATA\r\n" + body + ".\r\n",
            o => (o.BareLineFeeds, o.LongLines, o.MaxDataLineLength) = (BareLineFeedPolicy.Reject, LongLinePolicy.Reject, 100));

        var rejection = Assert.Single(harness.Events.Rejections);
        Assert.Equal(554, rejection.Reply.Code);
        Assert.Contains(reason, rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_ReachingMaxErrors_421ReportedAfterTheLastErrorWithTheCount()
    {
        var harness = await RunAsync("BOGUS\r\nBOGUS\r\nBOGUS\r\n", o => o.MaxErrors = 3);

        Assert.Equal([500, 500, 500, 421], harness.Events.Rejections.Select(r => r.Reply.Code));
        Assert.Equal("3 errors in this session (MaxErrors)", harness.Events.Rejections[^1].Reason);
        Assert.Equal("BOGUS", harness.Events.Rejections[^1].Command);
    }

    [Fact]
    public async Task Auth_Refused_CommandLoggedWithoutItsArguments()
    {
        var harness = await RunAsync("EHLO client.example.net\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");

        Assert.Equal("AUTH", Assert.Single(harness.Events.Rejections).Command);
    }

    [Fact]
    public async Task CheckTimeout_InData_ReportedWithSenderAndIdleTime()
    {
        var harness = await RunAsync(Open + "RCPT TO:<alice@example.com>\r\nDATA\r\npartial\r\n");
        harness.Time.Advance(harness.Options.DataIdleTimeout);

        Assert.NotNull(harness.CheckTimeout());

        var rejection = Assert.Single(harness.Events.Rejections);
        Assert.Equal(SmtpReplies.Timeout, rejection.Reply);
        Assert.Equal("timeout after DATA", rejection.Command);
        Assert.Equal("<sender@remote.example>", rejection.Sender);
    }

    [Fact]
    public async Task Data_Committed_AcceptedWithQueueIdOfThe250RoutesAndSize()
    {
        var harness = await RunAsync(Open + "RCPT TO:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");

        var (envelope, size) = Assert.Single(harness.Events.Acceptances);
        Assert.Equal(SmtpReplies.MessageAccepted(envelope.QueueId), harness.Replies[^1]);
        Assert.Equal(["mbx-alice", "mbx-bob"], envelope.Recipients.Select(r => r.Route.ToString()));
        Assert.Equal(Assert.Single(harness.Sink.Deliveries).Content.Length, size);
        Assert.Empty(harness.Events.Rejections);
    }

    [Fact]
    public async Task Counts_AfterAMixedSession_CommandsRecipientsMessagesAndErrors()
    {
        var harness = await RunAsync(
            Open + "RCPT TO:<alice@example.com>\r\nRCPT TO:<carol@elsewhere.example>\r\nDATA\r\nbody\r\n.\r\nNOOP\r\nQUIT\r\n");

        Assert.Equal(new SmtpSessionCounts(Commands: 7, Recipients: 1, Messages: 1, Errors: 1), harness.Session.Counts);
    }
}
