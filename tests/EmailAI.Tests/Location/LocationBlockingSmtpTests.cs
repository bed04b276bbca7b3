using System.Net;
using System.Text;
using EmailAI.Tests.EndToEnd;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using static EmailAI.Tests.Location.GeoDatabaseFile;

namespace EmailAI.Tests.Location;

/// <summary>
/// Issue 11 as a sending client meets it: a client the policy blocks is greeted and may say EHLO and MAIL as usual,
/// is refused at its first RCPT with exactly <c>550 5.7.1 &lt;message&gt;</c>, and gets that same line for every
/// later RCPT and MAIL of the session. The Authorised IP list and an authenticated session are never blocked;
/// loopback is not special. Accepted mail says the client's country in its Received field, and each block is
/// logged and counted.
/// </summary>
[Collection(LocationCollection.Name)]
public sealed class LocationBlockingSmtpTests(LocationFixture fixture) : LocationPolicyTest(fixture)
{
    private const string Remote = "someone@far-away.example";

    [Fact]
    public async Task BlockedCountry_WholeSession_GreetingAndMailNormalThenSame550ForEveryRcptAndMail()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"]));
        var delivered = (await SmtpConversation.ReadMaildropAsync(Server, LocationFixture.Alice)).Count;
        using var client = await RawSmtpClient.ConnectAsync(Server.SmtpPort, localAddress: NorthKorea).WaitAsync(SmtpConversation.ReplyTimeout);

        Assert.StartsWith("250", await client.SendCommandAsync("EHLO client.location.test"));
        Assert.StartsWith("250", await client.SendCommandAsync("MAIL FROM:<sender@far.example>"));
        Assert.Equal(LocationSteps.BlockedLine, await client.SendCommandAsync($"RCPT TO:<{LocationFixture.Alice}>"));
        Assert.Equal(LocationSteps.BlockedLine, await client.SendCommandAsync($"RCPT TO:<{Remote}>"));
        Assert.StartsWith("554", await client.SendCommandAsync("DATA"));
        Assert.StartsWith("250", await client.SendCommandAsync("RSET"));
        Assert.Equal(LocationSteps.BlockedLine, await client.SendCommandAsync("MAIL FROM:<other@far.example>"));
        Assert.Equal(LocationSteps.BlockedLine, await client.SendCommandAsync($"RCPT TO:<{LocationFixture.Alice}>"));
        Assert.Equal(delivered, (await SmtpConversation.ReadMaildropAsync(Server, LocationFixture.Alice)).Count);
    }

    [Fact]
    public async Task BlockedCountry_ClientFromOtherCountry_Accepted()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"]));

        Assert.StartsWith("250", await Server.FirstRcptAsync(Germany, LocationFixture.Alice));
        Assert.StartsWith("250", await Server.FirstRcptAsync(Unknown, LocationFixture.Alice));
        Assert.Equal(LocationSteps.BlockedLine, await Server.FirstRcptAsync(NorthKorea, LocationFixture.Alice));
    }

    [Fact]
    public async Task BlockedCountry_GivenInLowerCase_ClientBlocked()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["kp"]));

        Assert.Equal(LocationSteps.BlockedLine, await Server.FirstRcptAsync(NorthKorea, LocationFixture.Alice));
    }

    [Fact]
    public async Task BlockedRange_ClientInRange_BlockedWhileSameCountryOutsideRangeAccepted()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedRanges: ["127.0.4.%"]));

        Assert.Equal(LocationSteps.BlockedLine, await Server.FirstRcptAsync(GermanyRange, LocationFixture.Alice));
        Assert.StartsWith("250", await Server.FirstRcptAsync(Germany, LocationFixture.Alice));
    }

    [Fact]
    public async Task BlockedRangeAsCidr_ClientInRange_Blocked()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedRanges: ["127.0.3.0/24"]));

        Assert.Equal(LocationSteps.BlockedLine, await Server.FirstRcptAsync(Unknown, LocationFixture.Alice));
        Assert.StartsWith("250", await Server.FirstRcptAsync(Germany, LocationFixture.Alice));
    }

    [Fact]
    public async Task AllowedCountries_ClientFromCountryNotListed_Blocked()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(allowedCountries: ["DE"]));

        Assert.StartsWith("250", await Server.FirstRcptAsync(Germany, LocationFixture.Alice));
        Assert.Equal(LocationSteps.BlockedLine, await Server.FirstRcptAsync(NorthKorea, LocationFixture.Alice));
    }

    [Fact]
    public async Task BlockUnknown_ClientTheDatabaseDoesNotKnow_BlockedOnlyWhenSet()
    {
        Assert.StartsWith("250", await Server.FirstRcptAsync(Unknown, LocationFixture.Alice));

        await Server.PutRelayAsync(LocationSteps.Policy(blockUnknown: true));

        Assert.Equal(LocationSteps.BlockedLine, await Server.FirstRcptAsync(Unknown, LocationFixture.Alice));
        Assert.StartsWith("250", await Server.FirstRcptAsync(Germany, LocationFixture.Alice));
    }

    [Fact]
    public async Task Loopback_CountryOfLoopbackBlocked_Blocked()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["US"]));

        Assert.Equal(LocationSteps.BlockedLine, await Server.FirstRcptAsync(IPAddress.Loopback, LocationFixture.Alice));
        Assert.StartsWith("250", await Server.FirstRcptAsync(Germany, LocationFixture.Alice));
    }

    [Fact]
    public async Task AuthorisedIp_ClientFromBlockedCountry_AcceptedAndRelayed()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"], authorisedIps: ["127.0.1.%"]));

        Assert.StartsWith("250", await Server.FirstRcptAsync(NorthKorea, LocationFixture.Alice));
        Assert.StartsWith("250", await Server.FirstRcptAsync(NorthKorea, Remote));
    }

    [Fact]
    public async Task AuthenticatedSubmission_ClientFromBlockedCountry_Delivered()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"]));
        var subject = "authenticated from KP " + Guid.NewGuid().ToString("N");

        using (var smtp = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 60_000, LocalEndPoint = new IPEndPoint(NorthKorea, 0) })
        {
            await smtp.ConnectAsync("127.0.0.1", Server.SubmissionPort, SecureSocketOptions.StartTls).WaitAsync(SmtpConversation.ReplyTimeout);
            await smtp.AuthenticateAsync(LocationFixture.Alice, LocationFixture.Password).WaitAsync(SmtpConversation.ReplyTimeout);
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse(LocationFixture.Alice));
            message.To.Add(MailboxAddress.Parse(LocationFixture.Alice));
            message.Subject = subject;
            message.Body = new TextPart("plain") { Text = "Sent while travelling.\n" };
            await smtp.SendAsync(message).WaitAsync(SmtpConversation.ReplyTimeout);
            await smtp.DisconnectAsync(quit: true);
        }

        var stored = await SmtpConversation.ReadMaildropAsync(Server, LocationFixture.Alice);
        Assert.Contains(stored, m => Encoding.UTF8.GetString(m).Contains(subject, StringComparison.Ordinal));

        // The same address without AUTH is still blocked: the exemption is the login, not the address.
        Assert.Equal(LocationSteps.BlockedLine, await Server.FirstRcptAsync(NorthKorea, LocationFixture.Alice));
    }

    [Fact]
    public async Task AcceptedMail_ClientCountryKnown_ReceivedFieldSaysCountry()
    {
        var known = await DeliverFromAsync(Germany, "known country");
        var unknown = await DeliverFromAsync(Unknown, "unknown country");

        Assert.Contains("(country DE)", known);
        Assert.Contains("[127.0.2.5]", known);
        Assert.DoesNotContain("country", unknown, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("[127.0.3.5]", unknown);
    }

    [Fact]
    public async Task BlockedClient_RefusedAtRcpt_LoggedWithAddressCountryRuleAndCounted()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"]));
        var before = await Server.BlockedCountAsync("KP");

        Assert.Equal(LocationSteps.BlockedLine, await Server.FirstRcptAsync(NorthKorea, LocationFixture.Alice));

        var line = await Server.WaitForLogLineAsync("127.0.1.5", "KP", "blockedCountries");
        Assert.True(line is not null, $"no log line names 127.0.1.5, KP and blockedCountries:\n{Server.Log}");

        // The exporter may serve a cached scrape for a moment.
        double after = before;
        var counted = await LocationSteps.EventuallyAsync(async () => (after = await Server.BlockedCountAsync("KP")) > before, SmtpConversation.ReplyTimeout);
        Assert.True(counted, $"emailai_smtp_location_blocked_total{{country=\"KP\"}} stayed at {after} (was {before})");
    }

    /// <summary>Delivers one message to Alice from <paramref name="from"/> and returns its stored Received field.</summary>
    private async Task<string> DeliverFromAsync(IPAddress from, string subject)
    {
        subject += " " + Guid.NewGuid().ToString("N");
        using (var client = await Server.ConnectFromAsync(from))
        {
            var reply = await SmtpConversation.TransactAsync(client, "sender@far.example", [LocationFixture.Alice], Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\nhello\r\n.\r\n"));
            Assert.StartsWith("250 2.0.0", reply);
        }

        var stored = (await SmtpConversation.ReadMaildropAsync(Server, LocationFixture.Alice)).Single(m => Encoding.UTF8.GetString(m).Contains(subject, StringComparison.Ordinal));
        return LocationSteps.ReceivedField(stored);
    }
}
