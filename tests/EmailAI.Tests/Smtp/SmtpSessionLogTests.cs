using System.Net;
using EmailAI.Gateway.Smtp;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>The gateway's log lines: Postfix-shaped, and with every client value escaped.</summary>
public sealed class SmtpSessionLogTests
{
    [Fact]
    public void Rejected_HostileCommandAndHelo_PostfixShapedLineWithEscapes()
    {
        var logger = new CapturingLogger<SmtpSessionLog>();
        var rejection = new SmtpRejection(IPAddress.Parse("203.0.113.9"), "RCPT TO:<x\u001b[2J@y>\r\nforged", SmtpReplies.RelayDenied)
        {
            HeloName = "evil\0helo",
            Protocol = "ESMTP",
            Sender = "<a@b.example>",
            Recipient = "<c@d.example>",
            Reason = "relay not permitted for [203.0.113.9]",
        };

        new SmtpSessionLog(logger).Rejected(rejection);

        var line = Assert.Single(logger.Lines);
        Assert.Equal(
            "NOQUEUE: reject: RCPT TO:<x\\x1B[2J@y>\\x0D\\x0Aforged from [203.0.113.9]: 554 5.7.1 Relay access denied; "
            + "reason=relay not permitted for [203.0.113.9] from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<evil\\x00helo>",
            line);
    }

    [Fact]
    public void Accepted_TwoRecipients_OneLinePerRecipientWithRouteUnderQueueId()
    {
        var logger = new CapturingLogger<SmtpSessionLog>();
        Assert.True(SmtpAddressParser.TryParseReversePath("<a@b.example>", false, out var sender, out _));
        Assert.True(SmtpAddressParser.TryParseForwardPath("<c@d.example>", false, out var c, out _));
        Assert.True(SmtpAddressParser.TryParseForwardPath("<e@f.example>", false, out var e, out _));
        var envelope = new SmtpEnvelope("Q1D2", sender, [new SmtpRecipient(c, new FakeRoute("mbx-c")), new SmtpRecipient(e, new FakeRoute("relay-f"))], "mx\u009b.example", IPAddress.Loopback, false, DateTimeOffset.UnixEpoch);

        new SmtpSessionLog(logger).Accepted(envelope, 1234);

        Assert.Equal(
            [
                "Q1D2: accepted from=<a@b.example> to=<c@d.example> route=mbx-c size=1234 client=[127.0.0.1] helo=<mx\\x9B.example> sasl_username=-",
                "Q1D2: accepted from=<a@b.example> to=<e@f.example> route=relay-f size=1234 client=[127.0.0.1] helo=<mx\\x9B.example> sasl_username=-",
            ],
            logger.Lines);
    }

    [Fact]
    public void Accepted_AuthenticatedSession_NamesTheUserEscaped()
    {
        var logger = new CapturingLogger<SmtpSessionLog>();
        Assert.True(SmtpAddressParser.TryParseReversePath("<alice@example.com>", false, out var sender, out _));
        Assert.True(SmtpAddressParser.TryParseForwardPath("<c@d.example>", false, out var c, out _));
        var envelope = new SmtpEnvelope("Q1D3", sender, [new SmtpRecipient(c, new FakeRoute("relay-d"))], "laptop", IPAddress.Loopback, false, DateTimeOffset.UnixEpoch)
        {
            AuthenticatedIdentity = "alice@example.com\n",
        };

        new SmtpSessionLog(logger).Accepted(envelope, 10);

        Assert.Equal(
            "Q1D3: accepted from=<alice@example.com> to=<c@d.example> route=relay-d size=10 client=[127.0.0.1] helo=<laptop> sasl_username=alice@example.com\\x0A",
            Assert.Single(logger.Lines));
    }

    [Fact]
    public void Disconnected_Counts_OneLine()
    {
        var logger = new CapturingLogger<SmtpSessionLog>();

        new SmtpSessionLog(logger).Disconnected(new SmtpSessionInfo("s1", IPAddress.Loopback, "client.example"), new SmtpSessionCounts(7, 2, 1, 3));

        Assert.Equal("disconnect from [127.0.0.1] helo=<client.example> commands=7 recipients=2 messages=1 errors=3", Assert.Single(logger.Lines));
    }

    [Fact]
    public void Rejected_Aggregated_CountedByCodeAndSummedUpBeforeTheDisconnectLine()
    {
        var logger = new CapturingLogger<SmtpSessionLog>();
        var log = new SmtpSessionLog(logger);
        var remote = IPAddress.Parse("203.0.113.9");

        log.Rejected(new SmtpRejection(remote, "RCPT TO:<a@example.com>", SmtpReplies.UnknownUser));
        for (var i = 0; i < 3; i++)
        {
            log.Rejected(new SmtpRejection(remote, "RCPT TO:<b@example.com>", SmtpReplies.UnknownUser) { Aggregated = true });
        }

        log.Rejected(new SmtpRejection(remote, "DATA", SmtpReplies.NoValidRecipients) { Aggregated = true });
        log.Disconnected(new SmtpSessionInfo("s1", remote, "client.example"), new SmtpSessionCounts(6, 0, 0, 5));

        Assert.Equal(3, logger.Lines.Count);
        Assert.StartsWith("NOQUEUE: reject: RCPT TO:<a@example.com>", logger.Lines[0]);
        Assert.Equal("refusals of [203.0.113.9] not logged individually (past SoftErrorLimit): 4 (550=3 554=1)", logger.Lines[1]);
        Assert.StartsWith("disconnect from [203.0.113.9]", logger.Lines[2]);
    }

    [Fact]
    public void Disconnected_NothingAggregated_NoSummaryLine()
    {
        var logger = new CapturingLogger<SmtpSessionLog>();

        new SmtpSessionLog(logger).Disconnected(new SmtpSessionInfo("s1", IPAddress.Loopback, "client.example"), new SmtpSessionCounts(1, 0, 0, 0));

        Assert.StartsWith("disconnect from", Assert.Single(logger.Lines));
    }
}
