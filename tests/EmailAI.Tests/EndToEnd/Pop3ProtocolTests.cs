using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// RFC 1939 probes over a raw socket against the real server: octet counts, byte-exact retrieval with
/// byte-stuffing, TOP, UIDL, and when DELE does (QUIT) and does not (dropped connection) take effect.
/// Mail is delivered over SMTP first; the admin API is the reference for what is stored. Each test uses
/// its own domain, so they share one server.
/// </summary>
public sealed class Pop3ProtocolTests(Pop3Fixture fixture) : IClassFixture<Pop3Fixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task StatAndList_ThreeMessages_OctetCountsEqualStoredSizes()
    {
        const string alice = "alice@sizes.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("s1@sizes.pop3.test", "small", "x"), alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("s2@sizes.pop3.test", "medium", [.. Enumerable.Repeat(new string('m', 70), 40)]), alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("s3@sizes.pop3.test", "large", [.. Enumerable.Repeat(new string('l', 900), 200)]), alice);
        var stored = await Pop3Steps.StoredAsync(Server, alice);
        Assert.Equal(3, stored.Count);
        for (var i = 0; i < stored.Count; i++)
        {
            Assert.Equal(stored[i].Size, (await Pop3Steps.StoredMessageAsync(Server, alice, stored[i].Uid)).Length);
        }

        using var client = await Pop3Steps.LoginAsync(Server, alice);
        Assert.Equal((3, stored.Sum(s => s.Size)), await client.StatAsync());
        var (status, _) = await client.MultiLineCommandAsync("LIST");
        Assert.Equal($"+OK 3 messages ({stored.Sum(s => s.Size)} octets)", status);
        Assert.Equal(stored.Select((s, i) => (i + 1, s.Size.ToString())), await client.ListingAsync("LIST"));
        Assert.Equal($"+OK 2 {stored[1].Size}", await client.CommandAsync("LIST 2"));
        Assert.StartsWith("-ERR", await client.CommandAsync("LIST 4"));
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task Retr_LongDotAnd8BitLines_StuffedOnWireAndUnstuffedEqualsStoredBytes()
    {
        const string alice = "alice@retr.pop3.test";
        await Server.ProvisionAsync(alice);
        var longLine = new string('L', 998);
        var message = Concat(
            Pop3Steps.Message(
                "retr@retr.pop3.test",
                "tricky lines",
                longLine,
                ".starts with a dot",
                ".",
                "..two dots",
                "ends with a dot."),
            [.. "Latin-1 "u8, 0xE9, (byte)'t', 0xE9, .. ", raw "u8, 0xFF, 0xFE, 0x80, .. " and UTF-8 "u8, .. "gr\u00fc\u00df"u8, .. "\r\n"u8]);
        await Pop3Steps.DeliverAsync(Server, message, alice);
        var (uid, size) = Assert.Single(await Pop3Steps.StoredAsync(Server, alice));
        var stored = await Pop3Steps.StoredMessageAsync(Server, alice, uid);
        Assert.True(stored.AsSpan().EndsWith(message), "the stored message does not end with what SMTP delivered");

        using var client = await Pop3Steps.LoginAsync(Server, alice);
        var (status, wire) = await client.MultiLineCommandAsync("RETR 1");

        Assert.Equal($"+OK {size} octets", status);
        var wireText = Encoding.Latin1.GetString(wire);
        Assert.Contains("\r\n" + longLine + "\r\n", wireText);
        Assert.Contains("\r\n..starts with a dot\r\n", wireText);
        Assert.Contains("\r\n..\r\n", wireText);
        Assert.Contains("\r\n...two dots\r\n", wireText);
        Assert.Contains("\r\nends with a dot.\r\n", wireText);
        Assert.Equal(stored, Pop3RawClient.Unstuff(wire));
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task Top_ZeroAndTwoLines_HeaderBlankLineAndThatManyBodyLines()
    {
        const string alice = "alice@top.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("top@top.pop3.test", "top", "body 1", ".body 2", "body 3"), alice);
        var (uid, _) = Assert.Single(await Pop3Steps.StoredAsync(Server, alice));
        var stored = Encoding.UTF8.GetString(await Pop3Steps.StoredMessageAsync(Server, alice, uid));
        var header = stored[..(stored.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];

        using var client = await Pop3Steps.LoginAsync(Server, alice);
        var (status, wire) = await client.MultiLineCommandAsync("TOP 1 0");
        Assert.StartsWith("+OK", status);
        Assert.Equal(header, Encoding.UTF8.GetString(Pop3RawClient.Unstuff(wire)));

        (status, wire) = await client.MultiLineCommandAsync("TOP 1 2");
        Assert.StartsWith("+OK", status);
        Assert.Equal(header + "body 1\r\n..body 2\r\n", Encoding.UTF8.GetString(wire));

        Assert.StartsWith("-ERR", await client.CommandAsync("TOP 2 0"));
        Assert.StartsWith("-ERR", await client.CommandAsync("TOP 1"));
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task Uidl_TwoSessions_UniqueEqualToStoreAndStable()
    {
        const string alice = "alice@uidl.pop3.test";
        await Server.ProvisionAsync(alice);
        for (var i = 0; i < 4; i++)
        {
            await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message($"u{i}@uidl.pop3.test", "uidl " + i, "body"), alice);
        }

        var stored = await Pop3Steps.StoredAsync(Server, alice);
        List<(int Number, string Value)> first;
        using (var client = await Pop3Steps.LoginAsync(Server, alice))
        {
            first = await client.ListingAsync("UIDL");
            Assert.Equal("+OK 3 " + first[2].Value, await client.CommandAsync("UIDL 3"));
            await client.QuitAsync(0);
        }

        Assert.Equal(4, first.Count);
        Assert.Equal(4, first.Select(u => u.Value).Distinct().Count());
        Assert.All(first, u => Assert.Matches(@"^[\x21-\x7E]{1,70}$", u.Value)); // RFC 1939 §7 unique-id syntax
        Assert.Equal(stored.Select((s, i) => (i + 1, s.Uid.ToString())), first);

        using (var client = await Pop3Steps.LoginAsync(Server, alice))
        {
            Assert.Equal(first, await client.ListingAsync("UIDL"));
            await client.QuitAsync(0);
        }
    }

    [Fact]
    public async Task Dele_ThenRetrListDele_ErrUntilRsetRestoresIt()
    {
        const string alice = "alice@deleted.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("d1@deleted.pop3.test", "one", "body one"), alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("d2@deleted.pop3.test", "two", "body two"), alice);
        var stored = await Pop3Steps.StoredAsync(Server, alice);

        using var client = await Pop3Steps.LoginAsync(Server, alice);
        Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));
        Assert.StartsWith("-ERR", await client.CommandAsync("RETR 1"));
        Assert.StartsWith("-ERR", await client.CommandAsync("TOP 1 0"));
        Assert.StartsWith("-ERR", await client.CommandAsync("LIST 1"));
        Assert.StartsWith("-ERR", await client.CommandAsync("UIDL 1"));
        Assert.StartsWith("-ERR", await client.CommandAsync("DELE 1"));
        Assert.StartsWith("-ERR", await client.CommandAsync("RETR 3"));
        Assert.Equal((1, stored[1].Size), await client.StatAsync());
        Assert.Equal([(2, stored[1].Size.ToString())], await client.ListingAsync("LIST"));
        Assert.Equal([(2, stored[1].Uid.ToString())], await client.ListingAsync("UIDL"));

        Assert.StartsWith("+OK", await client.CommandAsync("RSET"));
        Assert.Equal((2, stored.Sum(s => s.Size)), await client.StatAsync());
        var (status, _) = await client.MultiLineCommandAsync("RETR 1");
        Assert.StartsWith("+OK", status);
        await client.QuitAsync(0);
        Assert.Equal(stored, await Pop3Steps.StoredAsync(Server, alice));
    }

    [Fact]
    public async Task Quit_AfterDele_MessageGoneForNextSessionAndAdminApi()
    {
        const string alice = "alice@quit.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("q1@quit.pop3.test", "one", "body"), alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("q2@quit.pop3.test", "two", "body"), alice);
        var stored = await Pop3Steps.StoredAsync(Server, alice);

        using (var client = await Pop3Steps.LoginAsync(Server, alice))
        {
            Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));
            await client.QuitAsync(1);
            Assert.True(await client.IsClosedByServerAsync(Pop3RawClient.ReplyTimeout), "the server did not close after QUIT");
        }

        Assert.Equal([stored[1]], await Pop3Steps.StoredAsync(Server, alice));
        using (var client = await Pop3Steps.LoginAsync(Server, alice))
        {
            Assert.Equal([(1, stored[1].Uid.ToString())], await client.ListingAsync("UIDL"));
            await client.QuitAsync(0);
        }
    }

    [Fact]
    public async Task Dele_ConnectionDroppedWithoutQuit_NothingDeleted()
    {
        const string alice = "alice@drop.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("drop1@drop.pop3.test", "one", "body"), alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("drop2@drop.pop3.test", "two", "body"), alice);
        var stored = await Pop3Steps.StoredAsync(Server, alice);

        using (var client = await Pop3Steps.LoginAsync(Server, alice))
        {
            Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));
            Assert.StartsWith("+OK", await client.CommandAsync("DELE 2"));
        }

        // Logging in again proves the server has seen the drop (it released the lock); only then look.
        using (var client = await Pop3Steps.LoginWhenFreeAsync(Server, alice, TimeSpan.FromSeconds(20)))
        {
            Assert.Equal((2, stored.Sum(s => s.Size)), await client.StatAsync());
            Assert.Equal(stored.Select((s, i) => (i + 1, s.Uid.ToString())), await client.ListingAsync("UIDL"));
            await client.QuitAsync(0);
        }

        Assert.Equal(stored, await Pop3Steps.StoredAsync(Server, alice));
    }

    [Fact]
    public async Task Quit_MailArrivedDuringSession_NotListedAndNotDeleted()
    {
        const string alice = "alice@arrival.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("old1@arrival.pop3.test", "old one", "body"), alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("old2@arrival.pop3.test", "old two", "body"), alice);
        var before = await Pop3Steps.StoredAsync(Server, alice);

        using (var client = await Pop3Steps.LoginAsync(Server, alice))
        {
            // Delivery is not blocked by the POP3 lock.
            await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("new@arrival.pop3.test", "new", "arrived mid-session"), alice);
            Assert.Equal(3, (await Pop3Steps.StoredAsync(Server, alice)).Count);

            Assert.Equal((2, before.Sum(s => s.Size)), await client.StatAsync());
            Assert.Equal(before.Select((s, i) => (i + 1, s.Uid.ToString())), await client.ListingAsync("UIDL"));
            Assert.StartsWith("-ERR", await client.CommandAsync("RETR 3"));
            Assert.StartsWith("-ERR", await client.CommandAsync("DELE 3"));
            Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));
            Assert.StartsWith("+OK", await client.CommandAsync("DELE 2"));
            await client.QuitAsync(2);
        }

        var (uid, _) = Assert.Single(await Pop3Steps.StoredAsync(Server, alice));
        Assert.DoesNotContain(uid, before.Select(s => s.Uid));
        using (var client = await Pop3Steps.LoginAsync(Server, alice))
        {
            Assert.Equal([(1, uid.ToString())], await client.ListingAsync("UIDL"));
            var (status, wire) = await client.MultiLineCommandAsync("RETR 1");
            Assert.StartsWith("+OK", status);
            Assert.Contains("arrived mid-session", Encoding.UTF8.GetString(wire));
            await client.QuitAsync(0);
        }
    }

    [Fact]
    public async Task Dele_MessageForTwoAccountsDeletedByOne_OtherStillRetrievesIt()
    {
        const string alice = "alice@shared.pop3.test";
        const string carol = "carol@shared.pop3.test";
        await Server.ProvisionAsync(alice);
        await Server.ProvisionAsync(carol);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("both@shared.pop3.test", "for both", "one copy, two maildrops"), alice, carol);
        var (carolUid, _) = Assert.Single(await Pop3Steps.StoredAsync(Server, carol));
        var carolStored = await Pop3Steps.StoredMessageAsync(Server, carol, carolUid);

        using (var client = await Pop3Steps.LoginAsync(Server, alice))
        {
            Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));
            await client.QuitAsync(1);
        }

        Assert.Empty(await Pop3Steps.StoredAsync(Server, alice));
        using (var client = await Pop3Steps.LoginAsync(Server, carol))
        {
            var (status, wire) = await client.MultiLineCommandAsync("RETR 1");
            Assert.Equal($"+OK {carolStored.Length} octets", status);
            Assert.Equal(carolStored, Pop3RawClient.Unstuff(wire));
            await client.QuitAsync(0);
        }
    }

    [Fact]
    public async Task Command_256OctetLine_LineTooLongAndSessionContinues()
    {
        const string alice = "alice@longline.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("long@longline.pop3.test", "long", "body"), alice);

        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        // RFC 2449 §4: 255 octets, CRLF included, is the longest command line. Before login …
        Assert.Equal("-ERR Line too long", await client.CommandAsync("USER " + new string('a', 256 - 5 - 2)));
        Assert.StartsWith("-ERR", await client.CommandAsync("PASS " + Pop3Steps.Password));
        await client.LoginAsync(alice, Pop3Steps.Password);

        // … and after it.
        Assert.Equal("-ERR Line too long", await client.CommandAsync("NOOP " + new string('n', 256 - 5 - 2)));
        Assert.Equal("+OK", await client.CommandAsync("NOOP " + new string('n', 255 - 5 - 2)));
        Assert.Equal("-ERR Line too long", await client.CommandAsync("NOOP " + new string('n', 100_000)));
        Assert.Equal("+OK", await client.CommandAsync("NOOP"));
        Assert.Equal((1, (await Pop3Steps.StoredAsync(Server, alice))[0].Size), await client.StatAsync());
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task Apop_NotEnabled_GreetingWithoutTimestampAndApopRefused()
    {
        const string alice = "alice@noapop.pop3.test";
        await Server.ProvisionAsync(alice);

        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        Assert.DoesNotContain("<", client.Greeting);
        Assert.StartsWith("-ERR", await client.CommandAsync($"APOP {alice} {new string('0', 32)}"));

        // The session is still in AUTHORIZATION and usable.
        await client.LoginAsync(alice, Pop3Steps.Password);
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task Pipelining_WholeSessionInOnePacket_AnsweredInOrder()
    {
        const string alice = "alice@pipelining.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("pipe@pipelining.pop3.test", "pipelined", ".dot", "body"), alice);
        var (uid, size) = Assert.Single(await Pop3Steps.StoredAsync(Server, alice));
        var stored = await Pop3Steps.StoredMessageAsync(Server, alice, uid);

        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        // RFC 2449 §6.6 PIPELINING; RFC 1939 §3: keywords are case-insensitive.
        await client.SendAsync($"user {alice}\r\npass {Pop3Steps.Password}\r\nstat\r\nList\r\nuidl 1\r\nretr 1\r\nnoop\r\nrset\r\nquit\r\n");

        Assert.Equal("+OK send PASS", await client.ReadLineAsync());
        Assert.StartsWith("+OK", await client.ReadLineAsync());
        Assert.Equal($"+OK 1 {size}", await client.ReadLineAsync());
        Assert.StartsWith("+OK", await client.ReadLineAsync());
        Assert.Equal($"1 {size}\r\n", Encoding.ASCII.GetString(await client.ReadMultiLineAsync()));
        Assert.Equal($"+OK 1 {uid}", await client.ReadLineAsync());
        Assert.Equal($"+OK {size} octets", await client.ReadLineAsync());
        Assert.Equal(stored, Pop3RawClient.Unstuff(await client.ReadMultiLineAsync()));
        Assert.Equal("+OK", await client.ReadLineAsync());
        Assert.StartsWith("+OK", await client.ReadLineAsync());
        Assert.EndsWith("(0 messages deleted)", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync(Pop3RawClient.ReplyTimeout), "the server did not close after QUIT");
    }

    [Fact]
    public async Task Retr_TwoMegabyteMessage_ByteIdentical()
    {
        const string alice = "alice@large.pop3.test";
        await Server.ProvisionAsync(alice);
        var lines = Enumerable.Range(0, 27_000).Select(i => (i % 100 == 0 ? "." : "") + i.ToString("D6") + new string('z', 70)).ToArray();
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("large@large.pop3.test", "large", lines), alice);
        var (uid, size) = Assert.Single(await Pop3Steps.StoredAsync(Server, alice));
        Assert.True(size > 2_000_000, $"only {size} octets stored");

        using var client = await Pop3Steps.LoginAsync(Server, alice);
        var (status, wire) = await client.MultiLineCommandAsync("RETR 1");
        Assert.Equal($"+OK {size} octets", status);
        Assert.Equal(await Pop3Steps.StoredMessageAsync(Server, alice, uid), Pop3RawClient.Unstuff(wire));
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task AuthPlain_ContinuationWithPasswordTooLongForPass_LogsIn()
    {
        const string alice = "alice@saslplain.pop3.test";
        var password = string.Concat(Enumerable.Repeat("long pass phr\u00e4se ", 40));
        await Server.ProvisionAsync(alice, password);
        var response = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{alice}\0{password}"));
        Assert.True(response.Length > 255);

        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
        Assert.Equal("-ERR SASL authentication cancelled", await client.CommandAsync("*"));

        // RFC 2449 §4: PASS cannot carry it (255 octets per command line) …
        Assert.Equal("+OK send PASS", await client.CommandAsync("USER " + alice));
        Assert.Equal("-ERR Line too long", await client.CommandAsync("PASS " + password));

        // … but a SASL response may be longer (RFC 5034 §4), after the empty "+ " challenge.
        Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
        Assert.StartsWith("+OK", await client.CommandAsync(response));
        Assert.Equal((0, 0), await client.StatAsync());
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task Pass_PasswordWithSpaces_WholeArgumentIsThePassword()
    {
        const string alice = "alice@spaces.pop3.test";
        await Server.ProvisionAsync(alice, "correct horse battery staple");

        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        Assert.StartsWith("-ERR [AUTH]", await client.TryLoginAsync(alice, "correct"));
        await client.LoginAsync(alice, "correct horse battery staple");
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task AuthPlain_SaslResponseOverLimit_LineTooLongAndNextCommandIsACommandAgain()
    {
        const string alice = "alice@sasltoolong.pop3.test";
        await Server.ProvisionAsync(alice);

        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
        // Longer than the SASL line limit (4096 octets): the exchange ends with -ERR …
        Assert.Equal("-ERR Line too long", await client.CommandAsync(new string('A', 5000)));

        // … so what follows is an ordinary command again, not a SASL response (RFC 5034 §4: -ERR ends the exchange).
        var (status, _) = await client.MultiLineCommandAsync("CAPA");
        Assert.Equal("+OK Capability list follows", status);
        await client.LoginAsync(alice, Pop3Steps.Password);
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task Session_TwentyErrors_TooManyErrorsAndClosed()
    {
        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        await client.SendAsync(string.Concat(Enumerable.Repeat("BOGUS\r\n", 25)));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("-ERR Unknown command", await client.ReadLineAsync());
        }

        Assert.Equal("-ERR Too many errors, closing connection", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync(Pop3RawClient.ReplyTimeout), "the server did not close after too many errors");
    }

    [Fact]
    public async Task Retr_AccountDeletedByAdminDuringSession_ErrAndSessionCarriesOn()
    {
        const string alice = "alice@vanished.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("gone@vanished.pop3.test", "gone", "body"), alice);

        using var client = await Pop3Steps.LoginAsync(Server, alice);
        using (var deleted = await Server.Admin.DeleteAsync($"/api/v1/accounts/{alice}"))
        {
            deleted.EnsureSuccessStatusCode();
        }

        // The snapshot still lists the message, but its content is gone: a plain -ERR, not a crash or a hang.
        Assert.StartsWith("-ERR", await client.CommandAsync("RETR 1"));
        Assert.StartsWith("-ERR", await client.CommandAsync("TOP 1 0"));
        Assert.Equal("+OK", await client.CommandAsync("NOOP"));
        Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
    }

    private static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second];
}
