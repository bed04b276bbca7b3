using System.Diagnostics;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The SMTP limits (SmtpOptions) set through ordinary configuration keys (<c>EmailAI:Smtp:…</c>) on the real
/// server: SIZE, recipients per message, errors per session, command timeout.
/// </summary>
public sealed class SmtpEndToEndLimitTests(SmtpLimitsFixture fixture) : IClassFixture<SmtpLimitsFixture>
{
    private const string Sender = "bob@remote.test";

    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Ehlo_ConfiguredMaxMessageSize_AdvertisedInSize()
    {
        using var client = await RawSmtpClient.ConnectAsync(Server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout);

        var ehlo = await client.SendCommandAsync("EHLO client.e2e.test");

        Assert.Contains($"250-SIZE {SmtpLimitsFixture.MaxMessageSize}\n", ehlo + "\n", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mail_DeclaredSizeOverLimit_Refused552()
    {
        using var client = await SmtpConversation.ConnectAsync(Server);

        var over = await client.SendCommandAsync($"MAIL FROM:<{Sender}> SIZE={SmtpLimitsFixture.MaxMessageSize + 1}");
        var atLimit = await client.SendCommandAsync($"MAIL FROM:<{Sender}> SIZE={SmtpLimitsFixture.MaxMessageSize}");

        Assert.StartsWith("552 5.3.4", over);
        Assert.StartsWith("250", atLimit);
    }

    [Fact]
    public async Task Data_OverSizeLimitUndeclared_Refused552NothingStoredSessionGoesOn()
    {
        const string olga = "olga@size.limits.test";
        await Server.ProvisionAsync(olga);
        var big = new StringBuilder("Subject: big\r\n\r\n");
        while (big.Length <= SmtpLimitsFixture.MaxMessageSize)
        {
            big.Append('b', 98).Append("\r\n");
        }

        using var client = await SmtpConversation.ConnectAsync(Server);

        var refused = await SmtpConversation.TransactAsync(client, Sender, [olga], Encoding.ASCII.GetBytes(big + ".\r\n"));
        var accepted = await SmtpConversation.TransactAsync(client, Sender, [olga], "Subject: small\r\n\r\nsmall\r\n.\r\n"u8.ToArray());

        Assert.StartsWith("552 5.3.4", refused);
        Assert.StartsWith("250 2.0.0", accepted);
        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, olga));
        Assert.Equal("Subject: small\r\n\r\nsmall\r\n"u8.ToArray(), SmtpConversation.WithoutTrace(stored));
    }

    [Theory]
    [InlineData("bare-lf", "Subject: strict\r\n\r\nbare\nlf\r\n")]
    [InlineData("lf-dot-lf", "Subject: strict\r\n\r\nx\n.\nMAIL FROM:<evil@bank.test>\r\n")]
    [InlineData("long-line", null)]
    public async Task Data_StrictPoliciesConfigured_Refused554NothingStoredSessionGoesOn(string name, string? body)
    {
        body ??= "Subject: strict\r\n\r\n" + new string('9', 999) + "\r\n";
        // EmailAI:Smtp:BareLineFeeds=reject and EmailAI:Smtp:LongLines=reject (the fixture) keep the old refusals.
        var pia = $"pia-{name}@strict.smtp.test";
        await Server.ProvisionAsync(pia);
        using var client = await SmtpConversation.ConnectAsync(Server);

        var refused = await SmtpConversation.TransactAsync(client, Sender, [pia], Encoding.ASCII.GetBytes(body + ".\r\n"));
        var noop = await client.SendCommandAsync("NOOP");

        Assert.StartsWith("554 5.6.0", refused);
        Assert.StartsWith("250", noop);
        Assert.Empty(await SmtpConversation.ReadMaildropAsync(Server, pia));
    }

    [Fact]
    public async Task Rcpt_BeyondMaxRecipients_Returns452AndAcceptedOnesGetMessage()
    {
        string[] recipients = [.. Enumerable.Range(1, 5).Select(i => $"r{i}@rcpt.limits.test")];
        foreach (var recipient in recipients)
        {
            await Server.ProvisionAsync(recipient);
        }

        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>"));

        var replies = new List<string>();
        foreach (var recipient in recipients)
        {
            replies.Add(await client.SendCommandAsync($"RCPT TO:<{recipient}>"));
        }

        Assert.StartsWith("354", await client.SendCommandAsync("DATA"));
        await client.SendAsync("Subject: many\r\n\r\nfirst three only\r\n.\r\n");
        var final = await client.NextReplyAsync();

        Assert.All(replies.Take(SmtpLimitsFixture.MaxRecipients), r => Assert.StartsWith("250", r));
        Assert.All(replies.Skip(SmtpLimitsFixture.MaxRecipients), r => Assert.StartsWith("452 4.5.3", r));
        Assert.StartsWith("250 2.0.0", final);
        foreach (var recipient in recipients.Take(SmtpLimitsFixture.MaxRecipients))
        {
            Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, recipient));
        }

        foreach (var recipient in recipients.Skip(SmtpLimitsFixture.MaxRecipients))
        {
            Assert.Empty(await SmtpConversation.ReadMaildropAsync(Server, recipient));
        }
    }

    [Fact]
    public async Task Session_ErrorsReachMaxErrors_421AndClosed()
    {
        using var client = await SmtpConversation.ConnectAsync(Server);

        var first = await client.SendCommandAsync("FOO");
        var second = await client.SendCommandAsync("BAR baz");
        var third = await client.SendCommandAsync("MAIL TO:<nobody@nowhere.test>");
        var last = await client.NextReplyAsync();

        Assert.StartsWith("5", first);
        Assert.StartsWith("5", second);
        Assert.StartsWith("5", third);
        Assert.StartsWith("421 4.7.0", last);
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "still open after 421");
    }

    [Fact]
    public async Task Session_RecipientHarvestingReachesMaxErrors_421AndClosed()
    {
        await Server.ProvisionAsync("real@harvest.limits.test");
        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>"));

        var replies = new List<string>();
        foreach (var guess in new[] { "admin", "info", "sales" })
        {
            replies.Add(await client.SendCommandAsync($"RCPT TO:<{guess}@harvest.limits.test>"));
        }

        var last = await client.NextReplyAsync();

        Assert.All(replies, r => Assert.StartsWith("550 5.1.1", r));
        Assert.StartsWith("421 4.7.0", last);
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "still open after 421");
    }

    [Fact]
    public async Task Session_IdleBeyondCommandTimeout_Gets421AndIsClosed()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string> { ["EmailAI:Smtp:CommandTimeout"] = "00:00:01" });

        // Silent after the greeting.
        var idleClock = Stopwatch.StartNew();
        using var idle = await RawSmtpClient.ConnectAsync(server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout);
        var idleReply = await idle.NextReplyAsync();
        idleClock.Stop();

        // Half a command, never finished (slow loris).
        using var partial = await RawSmtpClient.ConnectAsync(server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout);
        Assert.StartsWith("250", await partial.SendCommandAsync("EHLO client.e2e.test"));
        await partial.SendAsync("NOO");
        var partialReply = await partial.NextReplyAsync();

        Assert.StartsWith("421 4.4.2", idleReply);
        Assert.True(idleClock.Elapsed >= TimeSpan.FromSeconds(1), $"421 after only {idleClock.Elapsed}");
        Assert.True(await idle.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "idle connection still open after 421");
        Assert.StartsWith("421 4.4.2", partialReply);
        Assert.True(await partial.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "partial-command connection still open after 421");
    }
}
