using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// Inbound SMTP against the real server: MailKit's client for the ordinary paths, raw sockets for what a
/// client library would never send (over-long lines, bare LF, address tricks, pipelined packets). Each test
/// uses its own domain, so they share one server.
/// </summary>
public sealed class SmtpEndToEndTests(SmtpEndToEndFixture fixture) : IClassFixture<SmtpEndToEndFixture>
{
    private const string Sender = "bob@remote.test";

    private ServerProcess Server => fixture.Server;

    // ── MailKit ─────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Ehlo_MailKit_AdvertisesPipeliningSize8BitMimeEnhancedStatusCodesUtf8()
    {
        using var client = await ConnectMailKitAsync(new MailKit.Net.Smtp.SmtpClient());

        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining), client.Capabilities.ToString());
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Size), client.Capabilities.ToString());
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime), client.Capabilities.ToString());
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EnhancedStatusCodes), client.Capabilities.ToString());
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.UTF8), client.Capabilities.ToString());
        Assert.Equal(10_240_000u, client.MaxSize);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Send_MailKitMessage_StoredWithHeadersAndBody()
    {
        const string alice = "alice@mailkit.smtp.test";
        await Server.ProvisionAsync(alice);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Bob Remote", Sender));
        message.To.Add(new MailboxAddress("Alice", alice));
        message.Subject = "Gr\u00fc\u00dfe from MailKit";
        message.MessageId = "mailkit-1@e2e.test";
        message.Body = new TextPart("plain") { Text = "Hello Alice,\n.a line that starts with a dot\n\nbye\n" };

        using (var client = await ConnectMailKitAsync(new MailKit.Net.Smtp.SmtpClient()))
        {
            await client.SendAsync(message);
            await client.DisconnectAsync(quit: true);
        }

        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, alice));
        var received = MimeMessage.Load(new MemoryStream(stored));
        Assert.Equal("mailkit-1@e2e.test", received.MessageId);
        Assert.Equal("Gr\u00fc\u00dfe from MailKit", received.Subject);
        Assert.Equal(Sender, Assert.Single(received.From.Mailboxes).Address);
        Assert.Equal(alice, Assert.Single(received.To.Mailboxes).Address);
        Assert.Equal("Hello Alice,\n.a line that starts with a dot\n\nbye\n", received.TextBody?.ReplaceLineEndings("\n"));
        Assert.Equal("<bob@remote.test>", received.Headers[HeaderId.ReturnPath]);
        var trace = received.Headers[HeaderId.Received];
        Assert.Contains($"by {SmtpEndToEndFixture.ServerDomain}", trace);
        Assert.Contains($"for <{alice}>", trace);
    }

    [Fact]
    public async Task Send_MailKitToTwoLocalAndOneUnknown_UnknownRejectedEachLocalMaildropHasItOnce()
    {
        const string carol = "carol@multi.smtp.test";
        const string dave = "dave@multi.smtp.test";
        await Server.ProvisionAsync(carol);
        await Server.ProvisionAsync(dave);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Sender));
        message.To.Add(MailboxAddress.Parse(carol));
        message.To.Add(MailboxAddress.Parse("nobody@multi.smtp.test"));
        message.Cc.Add(MailboxAddress.Parse(dave));
        message.Subject = "three recipients";
        message.MessageId = "multi-1@e2e.test";
        message.Body = new TextPart("plain") { Text = "one copy each\n" };

        using var client = await ConnectMailKitAsync(new RecordingSmtpClient());
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);

        var rejected = Assert.Single(((RecordingSmtpClient)client).Rejected);
        Assert.Equal("nobody@multi.smtp.test", rejected.Address);
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, rejected.Status);
        foreach (var mailbox in new[] { carol, dave })
        {
            var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, mailbox));
            var received = MimeMessage.Load(new MemoryStream(stored));
            Assert.Equal("multi-1@e2e.test", received.MessageId);
            // RFC 5321 §4.4 "for" names one recipient only; with several it would disclose the others.
            Assert.DoesNotContain("for <", received.Headers[HeaderId.Received]);
        }

        // No account and nothing stored: the API says there is no such maildrop.
        using var nobody = await Server.Admin.GetAsync("/api/v1/accounts/nobody@multi.smtp.test/messages");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, nobody.StatusCode);
    }

    // ── Greeting and session ────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Greeting_Configured_CarriesServerDomainInGreetingAndEhlo()
    {
        using var client = await RawSmtpClient.ConnectAsync(Server.SmtpPort, readGreeting: false).WaitAsync(SmtpConversation.ReplyTimeout);

        var greeting = await client.NextReplyAsync();
        var ehlo = await client.SendCommandAsync("EHLO client.e2e.test");

        Assert.StartsWith($"220 {SmtpEndToEndFixture.ServerDomain} ", greeting);
        Assert.StartsWith($"250-{SmtpEndToEndFixture.ServerDomain} ", ehlo);
    }

    [Fact]
    public async Task Session_HttpRequestLine_ConnectionClosed()
    {
        using var client = await RawSmtpClient.ConnectAsync(Server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: mx.example\r\nUser-Agent: browser\r\nAccept: */*\r\n\r\n");

        // Five lines that would each earn a 500 (well under the error limit): only a hang-up closes the connection.
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "the connection stayed open after an HTTP request line");
    }

    // ── DATA framing ────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Data_998OctetLineAnd8BitBytes_StoredByteExact()
    {
        const string erin = "erin@eightbit.smtp.test";
        await Server.ProvisionAsync(erin);
        var sent = new List<byte>();
        sent.AddRange(Encoding.ASCII.GetBytes("Subject: eight bit\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"));
        sent.AddRange(Encoding.ASCII.GetBytes(new string('x', 998) + "\r\n"));
        sent.AddRange(Encoding.UTF8.GetBytes("Gr\u00fc\u00dfe \u2014 \u65e5\u672c\u8a9e \u2713 \U0001F600\r\n"));
        sent.AddRange([0x80, 0xFF, 0xE9, (byte)'t', 0xE9, 0x7F, 0x01, (byte)'\r', (byte)'\n']);
        sent.AddRange(Encoding.ASCII.GetBytes("\t tab and trailing spaces   \r\n"));
        using var client = await SmtpConversation.ConnectAsync(Server);

        var reply = await SmtpConversation.TransactAsync(client, Sender, [erin], [.. sent, .. ".\r\n"u8], " BODY=8BITMIME");

        Assert.StartsWith("250 2.0.0", reply);
        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, erin));
        Assert.Equal(sent.ToArray(), SmtpConversation.WithoutTrace(stored));
    }

    [Fact]
    public async Task Data_5000OctetLineByDefault_StoredAsReceived()
    {
        // Postfix accepts long lines too (EmailAI:Smtp:LongLines=reject restores the 554 5.6.0).
        const string frank = "frank@longline.smtp.test";
        await Server.ProvisionAsync(frank);
        using var client = await SmtpConversation.ConnectAsync(Server);
        var body = "Subject: long\r\n\r\n" + new string('y', 5000) + "\r\nafter\r\n";

        var reply = await SmtpConversation.TransactAsync(client, Sender, [frank], Encoding.ASCII.GetBytes(body + ".\r\n"));

        Assert.StartsWith("250 2.0.0", reply);
        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, frank));
        Assert.Equal(Encoding.ASCII.GetBytes(body), SmtpConversation.WithoutTrace(stored));
    }

    /// <summary>RFC 5321 §4.5.3.1.6: the 1000-octet limit does not count the dot duplicated for transparency.</summary>
    [Fact]
    public async Task Data_998OctetLineStartingWithDot_AcceptedAndUnstuffed()
    {
        const string fred = "fred@dotline.smtp.test";
        await Server.ProvisionAsync(fred);
        var line = "." + new string('d', 997);
        using var client = await SmtpConversation.ConnectAsync(Server);

        var reply = await SmtpConversation.TransactAsync(client, Sender, [fred], Encoding.ASCII.GetBytes("Subject: dot line\r\n\r\n." + line + "\r\n.\r\n"));

        Assert.StartsWith("250 2.0.0", reply);
        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, fred));
        Assert.Equal(Encoding.ASCII.GetBytes("Subject: dot line\r\n\r\n" + line + "\r\n"), SmtpConversation.WithoutTrace(stored));
    }

    [Fact]
    public async Task Data_EndlessLineInManyPacketsPastMaxMessageSize_Refused552NothingStoredSessionGoesOn()
    {
        const string gina = "gina@hugeline.smtp.test";
        await Server.ProvisionAsync(gina);
        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>"));
        Assert.StartsWith("250", await client.SendCommandAsync($"RCPT TO:<{gina}>"));
        Assert.StartsWith("354", await client.SendCommandAsync("DATA"));

        await client.SendAsync("Subject: huge\r\n\r\n");
        var chunk = Encoding.ASCII.GetBytes(new string('z', 64 * 1024));
        // Long lines are accepted by default: only the size limit (10,240,000) stops a line that never ends.
        for (var i = 0; i < 160; i++)
        {
            await client.SendAsync(chunk);
        }

        await client.SendAsync("\r\n.\r\n");
        var refused = await client.NextReplyAsync();
        var noop = await client.SendCommandAsync("NOOP");

        Assert.StartsWith("552 5.3.4", refused);
        Assert.StartsWith("250", noop);
        Assert.Empty(await SmtpConversation.ReadMaildropAsync(Server, gina));
    }

    [Fact]
    public async Task Data_DotStuffedLines_StoredUnstuffed()
    {
        const string hugo = "hugo@dots.smtp.test";
        await Server.ProvisionAsync(hugo);
        using var client = await SmtpConversation.ConnectAsync(Server);
        const string wire = "..First-Line: starts with a dot\r\nSubject: dots\r\n\r\n..\r\n...\r\n..leading\r\n .space then dot\r\nmid.dle\r\n.\r\n";
        const string expected = ".First-Line: starts with a dot\r\nSubject: dots\r\n\r\n.\r\n..\r\n.leading\r\n .space then dot\r\nmid.dle\r\n";

        var reply = await SmtpConversation.TransactAsync(client, Sender, [hugo], Encoding.ASCII.GetBytes(wire));

        Assert.StartsWith("250 2.0.0", reply);
        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, hugo));
        Assert.Equal(Encoding.ASCII.GetBytes(expected), SmtpConversation.WithoutTrace(stored));
    }

    [Theory]
    [InlineData("lf-dot-lf", "\n.\n")]
    [InlineData("lf-dot-crlf", "\n.\r\n")]
    [InlineData("crlf-dot-lf", "\r\n.\n")]
    [InlineData("cr-dot-crlf", "\r.\r\n")]
    [InlineData("crlf-dot-cr", "\r\n.\r")]
    [InlineData("cr-dot-cr", "\r.\r")]
    public async Task Data_BareLineEndingSmuggling_SecondMessageNotExecutedOnlyOuterStored(string name, string fakeEnd)
    {
        var victim = $"victim-{name}@smuggle.smtp.test";
        await Server.ProvisionAsync(victim);
        using var client = await SmtpConversation.ConnectAsync(Server);
        var wire = "Subject: outer\r\n\r\nhello" + fakeEnd
            + $"MAIL FROM:<admin@bank.test>\r\nRCPT TO:<{victim}>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\n";

        var reply = await SmtpConversation.TransactAsync(client, Sender, [victim], Encoding.ASCII.GetBytes(wire));
        var noop = await client.SendCommandAsync("NOOP");

        // By default (Postfix's "normalize") the fake end is text: one message, the smuggled commands inside it.
        Assert.StartsWith("250 2.0.0", reply);
        Assert.StartsWith("250 2.0.0", noop);
        var stored = Encoding.ASCII.GetString(SmtpConversation.WithoutTrace(Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, victim))));
        Assert.StartsWith("Subject: outer\r\n", stored, StringComparison.Ordinal);
        Assert.Contains("MAIL FROM:<admin@bank.test>\r\n", stored, StringComparison.Ordinal);
    }

    // ── Pipelining ──────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Pipelining_MailRcptDataInOnePacket_RepliesInOrderAndStored()
    {
        const string ivan = "ivan@pipeline.smtp.test";
        await Server.ProvisionAsync(ivan);
        using var client = await SmtpConversation.ConnectAsync(Server);

        await client.SendAsync($"MAIL FROM:<{Sender}>\r\nRCPT TO:<{ivan}>\r\nRCPT TO:<nobody@pipeline.smtp.test>\r\nDATA\r\n");
        string[] replies = [await client.NextReplyAsync(), await client.NextReplyAsync(), await client.NextReplyAsync(), await client.NextReplyAsync()];
        await client.SendAsync("Subject: pipelined\r\n\r\nbody\r\n.\r\n");
        var final = await client.NextReplyAsync();

        Assert.StartsWith("250 2.1.0", replies[0]);
        Assert.StartsWith("250 2.1.5", replies[1]);
        Assert.StartsWith("550 5.1.1", replies[2]);
        Assert.StartsWith("354", replies[3]);
        Assert.StartsWith("250 2.0.0", final);
        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, ivan));
        Assert.Equal("Subject: pipelined\r\n\r\nbody\r\n"u8.ToArray(), SmtpConversation.WithoutTrace(stored));
    }

    [Fact]
    public async Task Pipelining_EndOfDataFollowedByNextTransaction_BothStored()
    {
        const string jane = "jane@pipeline2.smtp.test";
        await Server.ProvisionAsync(jane);
        using var client = await SmtpConversation.ConnectAsync(Server);
        var envelope = $"MAIL FROM:<{Sender}>\r\nRCPT TO:<{jane}>\r\nDATA\r\n";

        await client.SendAsync(envelope);
        string[] first = [await client.NextReplyAsync(), await client.NextReplyAsync(), await client.NextReplyAsync()];
        await client.SendAsync("Subject: one\r\n\r\n1\r\n.\r\n" + envelope);
        string[] second = [await client.NextReplyAsync(), await client.NextReplyAsync(), await client.NextReplyAsync(), await client.NextReplyAsync()];
        await client.SendAsync("Subject: two\r\n\r\n2\r\n.\r\nQUIT\r\n");
        string[] third = [await client.NextReplyAsync(), await client.NextReplyAsync()];

        Assert.Equal(["250", "250", "354"], first.Select(r => r[..3]));
        Assert.Equal(["250", "250", "250", "354"], second.Select(r => r[..3]));
        Assert.Equal(["250", "221"], third.Select(r => r[..3]));
        var stored = await SmtpConversation.ReadMaildropAsync(Server, jane);
        Assert.Equal(
            ["Subject: one\r\n\r\n1\r\n", "Subject: two\r\n\r\n2\r\n"],
            stored.Select(m => Encoding.ASCII.GetString(SmtpConversation.WithoutTrace(m))));
    }

    // ── RCPT decisions ──────────────────────────────────────────────────────────────────────────

    [Theory]
    [InlineData("<nobody@tricks.smtp.test>", "550 5.1.1")]
    [InlineData("<NoBody@Tricks.Smtp.Test>", "550 5.1.1")]
    [InlineData("<user@other.test>", "554 5.7.1")]
    [InlineData("<user@tricks.smtp.test.other.test>", "554 5.7.1")]
    [InlineData("<user%other.test@tricks.smtp.test>", "550 5.1.1")]
    [InlineData("<other.test!user@tricks.smtp.test>", "550 5.1.1")]
    [InlineData("<\"user@other.test\"@tricks.smtp.test>", "550 5.1.1")]
    [InlineData("<\"user%other.test\"@tricks.smtp.test>", "550 5.1.1")]
    [InlineData("<@tricks.smtp.test:user@other.test>", "554 5.7.1")]
    [InlineData("<user@[127.0.0.1]>", "554 5.7.1")]
    [InlineData("<user@[IPv6:::1]>", "554 5.7.1")]
    [InlineData("<user@tricks.smtp.test.>", "501")]
    [InlineData("<user@other.test@tricks.smtp.test>", "501")]
    [InlineData("<user@tricks.smtp.test", "501")]
    [InlineData("user@tricks.smtp.test", "501")]
    public async Task Rcpt_NonLocalOrRoutingTrick_Refused(string path, string expected)
    {
        await Server.ProvisionAsync("user@tricks.smtp.test");
        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>"));

        var reply = await client.SendCommandAsync("RCPT TO:" + path);

        Assert.StartsWith(expected, reply);
    }

    [Fact]
    public async Task Rcpt_SourceRoute_IgnoredAndDeliveredToLocalMailbox()
    {
        const string kim = "kim@route.smtp.test";
        await Server.ProvisionAsync(kim);
        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>"));

        var single = await client.SendCommandAsync($"RCPT TO:<@other.test:{kim}>");
        var chain = await client.SendCommandAsync($"RCPT TO:<@a.other.test,@b.other.test:{kim}>");
        Assert.StartsWith("354", await client.SendCommandAsync("DATA"));
        await client.SendAsync("Subject: routed\r\n\r\nvia a source route\r\n.\r\n");
        var final = await client.NextReplyAsync();

        Assert.StartsWith("250", single);
        Assert.StartsWith("250", chain);
        Assert.StartsWith("250 2.0.0", final);
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, kim));
    }

    [Fact]
    public async Task Rcpt_PostmasterOfLocalDomainWithoutAccount_StoredForTheServersPostmasterAccount()
    {
        await Server.ProvisionAsync("someone@pm.smtp.test");
        await Server.ProvisionAsync(SmtpEndToEndFixture.PostmasterAccount);
        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>"));

        var lower = await client.SendCommandAsync("RCPT TO:<postmaster@pm.smtp.test>");
        var mixed = await client.SendCommandAsync("RCPT TO:<PostMaster@PM.Smtp.Test>");
        Assert.StartsWith("354", await client.SendCommandAsync("DATA"));
        await client.SendAsync("Subject: to postmaster\r\n\r\nabuse report\r\n.\r\n");
        var final = await client.NextReplyAsync();

        Assert.StartsWith("250", lower);
        Assert.StartsWith("250", mixed);
        Assert.StartsWith("250 2.0.0", final);
        // Both RCPTs name one mailbox: stored once, in an account's maildrop, none in a maildrop without an account.
        var stored = await SmtpConversation.ReadMaildropAsync(Server, SmtpEndToEndFixture.PostmasterAccount);
        Assert.Single(stored, m => Encoding.ASCII.GetString(m).EndsWith("abuse report\r\n", StringComparison.Ordinal));
        using var sink = await Server.Admin.GetAsync("/api/v1/maildrops/postmaster@pm.smtp.test/messages");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, sink.StatusCode);
    }

    [Fact]
    public async Task Rcpt_BarePostmaster_StoredForTheServersPostmasterAccount()
    {
        await Server.ProvisionAsync(SmtpEndToEndFixture.PostmasterAccount);
        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>"));

        var bare = await client.SendCommandAsync("RCPT TO:<postmaster>");
        var capitalised = await client.SendCommandAsync("RCPT TO:<Postmaster>");
        Assert.StartsWith("354", await client.SendCommandAsync("DATA"));
        await client.SendAsync("Subject: bare postmaster\r\n\r\nhello postmaster\r\n.\r\n");
        var final = await client.NextReplyAsync();

        Assert.StartsWith("250", bare);
        Assert.StartsWith("250", capitalised);
        Assert.StartsWith("250 2.0.0", final);
        var stored = await SmtpConversation.ReadMaildropAsync(Server, SmtpEndToEndFixture.PostmasterAccount);
        Assert.Single(stored, m => Encoding.ASCII.GetString(m).EndsWith("hello postmaster\r\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rcpt_UpperCaseAddress_DeliveredToSameAccount()
    {
        const string liam = "liam@upper.smtp.test";
        await Server.ProvisionAsync(liam);
        using var client = await SmtpConversation.ConnectAsync(Server);

        var reply = await SmtpConversation.TransactAsync(client, Sender, ["LIAM@UPPER.SMTP.TEST"], "Subject: shouting\r\n\r\nHI\r\n.\r\n"u8.ToArray());

        Assert.StartsWith("250 2.0.0", reply);
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, liam));
    }

    [Fact]
    public async Task Rcpt_QuotedPlainLocalPart_DeliveredToSameAccount()
    {
        const string mia = "mia@quoted.smtp.test";
        await Server.ProvisionAsync(mia);
        using var client = await SmtpConversation.ConnectAsync(Server);

        var reply = await SmtpConversation.TransactAsync(client, Sender, ["\"mia\"@quoted.smtp.test"], "Subject: quoted\r\n\r\nq\r\n.\r\n"u8.ToArray());

        Assert.StartsWith("250 2.0.0", reply);
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, mia));
    }

    [Fact]
    public async Task Rcpt_IdnDomainAsUtf8OrALabel_DeliveredToSameAccount()
    {
        await Server.ProvisionAsync("nina@b\u00fccher.smtp.test");
        using var client = await SmtpConversation.ConnectAsync(Server);

        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>"));
        var utf8WithoutAnnouncement = await client.SendCommandAsync("RCPT TO:<nina@b\u00fccher.smtp.test>");
        Assert.StartsWith("250", await client.SendCommandAsync("RSET"));
        var reply = await SmtpConversation.TransactAsync(
            client,
            Sender,
            ["nina@b\u00fccher.smtp.test", "nina@xn--bcher-kva.smtp.test", "NINA@B\u00fccher.SMTP.test"],
            "Subject: idn\r\n\r\ninternational\r\n.\r\n"u8.ToArray(),
            " SMTPUTF8");

        Assert.StartsWith("553 5.6.7", utf8WithoutAnnouncement);
        Assert.StartsWith("250 2.0.0", reply);
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, "nina@xn--bcher-kva.smtp.test"));
    }

    /// <summary>
    /// Regression: an IDN domain typed with upper-case non-ASCII letters (RFC 5321 §2.4: domains are
    /// case-insensitive) was refused as relay, because GrainKeys.TryNormalizeDomain did not case-fold
    /// "Ü" before IDNA (InvariantGlobalization's IdnMapping does not) and looked up xn--mller-2pa.
    /// </summary>
    [Fact]
    public async Task Rcpt_IdnDomainWithUpperCaseNonAscii_DeliveredToSameAccount()
    {
        await Server.ProvisionAsync("olaf@m\u00fcller.smtp.test");
        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}> SMTPUTF8"));

        var reply = await client.SendCommandAsync("RCPT TO:<olaf@M\u00dcLLER.smtp.test>");

        Assert.StartsWith("250", reply);
    }

    /// <summary>
    /// Regression: with invariant globalization the domain mapping skipped UTS #46, so a domain typed in
    /// full-width letters (<c>ｍüｌｌｅｒ</c>, as East Asian input methods produce) became another A-label and
    /// the recipient was treated as relay.
    /// </summary>
    [Fact]
    public async Task Rcpt_FullWidthDomain_DeliveredToSameAccount()
    {
        await Server.ProvisionAsync("fw@m\u00fcller-fw.smtp.test");
        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}> SMTPUTF8"));

        var reply = await client.SendCommandAsync("RCPT TO:<fw@\uff4d\u00fc\uff4c\uff4c\uff45\uff52-fw.smtp.test>");

        Assert.StartsWith("250", reply);
    }

    // ── Helpers ─────────────────────────────────────────────────────────────────────────────────

    private async Task<T> ConnectMailKitAsync<T>(T client)
        where T : MailKit.Net.Smtp.SmtpClient
    {
        client.Timeout = (int)SmtpConversation.ReplyTimeout.TotalMilliseconds;
        client.LocalDomain = "mailkit.e2e.test";
        await client.ConnectAsync("127.0.0.1", Server.SmtpPort, SecureSocketOptions.None);
        return client;
    }

    /// <summary>Records refused recipients instead of aborting the send (MailKit's default throws).</summary>
    private sealed class RecordingSmtpClient : MailKit.Net.Smtp.SmtpClient
    {
        public List<(string Address, SmtpStatusCode Status)> Rejected { get; } = [];

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Rejected.Add((mailbox.Address, response.StatusCode));
    }
}
