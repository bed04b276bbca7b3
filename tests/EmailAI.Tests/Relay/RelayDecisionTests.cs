using System.Net;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Relay;

/// <summary>
/// Who may relay, and the address tricks that must never open a relay (the rule is written in
/// RecipientRules, in the silo): RCPT replies of the real server, for a client outside the Authorised IP list and for
/// one on it. Nothing here sends DATA, so nothing is queued.
/// </summary>
public sealed class RelayDecisionTests(RelayFixture fixture) : IClassFixture<RelayFixture>
{
    public static TheoryData<string> AuthorisedClients => new() { "127.0.0.2", "127.0.1.77", "127.0.1.0", "127.0.1.255", "127.0.2.200", "127.0.2.0" };

    public static TheoryData<string> OutsideClients => new() { "127.0.0.1", "127.0.0.3", "127.0.3.1", "127.0.3.77", "127.1.1.77" };

    [Theory]
    [MemberData(nameof(AuthorisedClients))]
    public async Task AuthorisedClient_RemoteRecipient_Accepted(string client)
    {
        Assert.StartsWith("250", await RcptAsync(IPAddress.Parse(client), "<someone@remote.example>"));
    }

    [Theory]
    [MemberData(nameof(OutsideClients))]
    public async Task ClientOutsideTheList_RemoteRecipient_RelayDenied(string client)
    {
        Assert.StartsWith("554 5.7.1", await RcptAsync(IPAddress.Parse(client), "<someone@remote.example>"));
    }

    [Theory]
    [MemberData(nameof(OutsideClients))]
    public async Task ClientOutsideTheList_LocalRecipient_Accepted(string client)
    {
        Assert.StartsWith("250", await RcptAsync(IPAddress.Parse(client), "<user@local.test>"));
    }

    [Fact]
    public async Task ListChanged_TakesEffectForTheNextRecipient()
    {
        var client = IPAddress.Parse("127.0.4.9");
        Assert.StartsWith("554 5.7.1", await RcptAsync(client, "<someone@remote.example>"));
        using (var added = await fixture.Server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.2","127.0.1.%","127.0.2.0/24","2001:db8::/32","127.0.4.9"]}""")))
        {
            added.EnsureSuccessStatusCode();
        }

        try
        {
            Assert.StartsWith("250", await RcptAsync(client, "<someone@remote.example>"));
        }
        finally
        {
            using var restored = await fixture.Server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.2","127.0.1.%","127.0.2.0/24","2001:db8::/32"]}"""));
            restored.EnsureSuccessStatusCode();
        }

        Assert.StartsWith("554 5.7.1", await RcptAsync(client, "<someone@remote.example>"));
    }

    /// <summary>
    /// Regression: an entry written as an IPv4-mapped IPv6 address (<c>::ffff:127.0.4.10</c>) was accepted by the
    /// API and matched nothing, because clients are compared as IPv4.
    /// </summary>
    [Fact]
    public async Task ListEntryInIPv4MappedForm_MatchesTheIPv4Client()
    {
        var client = IPAddress.Parse("127.0.4.10");
        using (var added = await fixture.Server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.2","127.0.1.%","127.0.2.0/24","2001:db8::/32","::ffff:127.0.4.10"]}""")))
        {
            added.EnsureSuccessStatusCode();
        }

        try
        {
            Assert.StartsWith("250", await RcptAsync(client, "<someone@remote.example>"));
            Assert.StartsWith("554 5.7.1", await RcptAsync(IPAddress.Parse("127.0.4.11"), "<someone@remote.example>"));
        }
        finally
        {
            using var restored = await fixture.Server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.2","127.0.1.%","127.0.2.0/24","2001:db8::/32"]}"""));
            restored.EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task IPv6Client_OnTheListByPrefix_MayRelay_OtherwiseNot()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string> { ["EmailAI:Smtp:ListenAddress"] = "::1" });
        using (var response = await server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["2001:db8::/32"]}""")))
        {
            response.EnsureSuccessStatusCode();
        }

        Assert.StartsWith("554 5.7.1", await RcptAsync(server, "<someone@remote.example>"));
        using (var response = await server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["2001:db8::/32","::1"]}""")))
        {
            response.EnsureSuccessStatusCode();
        }

        Assert.StartsWith("250", await RcptAsync(server, "<someone@remote.example>"));

        static async Task<string> RcptAsync(ServerProcess server, string path)
        {
            using var smtp = await RawSmtpClient.ConnectAsync(server.SmtpPort, server: IPAddress.IPv6Loopback);
            Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.test"));
            Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<sender@client.test>"));
            return await smtp.CommandAsync("RCPT TO:" + path);
        }
    }

    /// <summary>
    /// Routing tricks, for a client outside the list (first code) and for an authorised one (second code). A
    /// trick aimed at a local domain is a local mailbox that does not exist (550), whoever asks; a trick that
    /// really names a remote host is relay (554 unless authorised); what RFC 5321 does not allow is a syntax
    /// error (501 or 553) for everyone.
    /// </summary>
    [Theory]
    // Percent hack, bang path and quoted addresses in a local domain: characters of a local part, no such user.
    [InlineData("<someone%remote.example@local.test>", "550", "550")]
    [InlineData("<someone%remote.example%local.test@local.test>", "550", "550")]
    [InlineData("<remote.example!someone@local.test>", "550", "550")]
    [InlineData("<local.test!remote.example!someone@local.test>", "550", "550")]
    [InlineData("<\"someone@remote.example\"@local.test>", "550", "550")]
    [InlineData("<\"someone%remote.example\"@local.test>", "550", "550")]
    [InlineData("<\"someone\\@remote.example\"@local.test>", "550", "550")]
    [InlineData("<\"@remote.example:someone@remote.example\"@local.test>", "550", "550")]
    [InlineData("<\"user@local.test\"@local.test>", "550", "550")]
    // The same tricks pointed at a remote domain are relay like any remote address.
    [InlineData("<user%local.test@remote.example>", "554", "250")]
    [InlineData("<\"user@local.test\"@remote.example>", "554", "250")]
    // Source routes are ignored: only the mailbox after the colon counts.
    [InlineData("<@local.test:someone@remote.example>", "554", "250")]
    [InlineData("<@local.test,@local.test:someone@remote.example>", "554", "250")]
    [InlineData("<@remote.example:user@local.test>", "250", "250")]
    [InlineData("<@remote.example,@other.example:user@local.test>", "250", "250")]
    // Address literals are never local and never relayed.
    [InlineData("<someone@[127.0.0.1]>", "554", "554")]
    [InlineData("<someone@[192.0.2.1]>", "554", "554")]
    [InlineData("<someone@[IPv6:::1]>", "554", "554")]
    [InlineData("<user@[IPv6:2001:db8::1]>", "554", "554")]
    // Case and quoting of a plain local address do not matter; a subdomain or a look-alike is not local.
    [InlineData("<USER@LOCAL.TEST>", "250", "250")]
    [InlineData("<\"user\"@local.test>", "250", "250")]
    [InlineData("<user@sub.local.test>", "554", "250")]
    [InlineData("<user@local.test.remote.example>", "554", "250")]
    [InlineData("<user@local-test.example>", "554", "250")]
    // No postmaster account exists here: postmaster mail is refused (550 5.1.1), never stored where no account owns it.
    [InlineData("<postmaster>", "550", "550")]
    [InlineData("<postmaster@remote.example>", "554", "250")]
    // Not addresses at all: refused for everyone.
    [InlineData("<user@local.test.>", "501", "501")]
    [InlineData("<someone@remote.example.>", "501", "501")]
    [InlineData("<user@local.test@remote.example>", "501", "501")]
    [InlineData("<someone@remote.example@local.test>", "501", "501")]
    [InlineData("<someone@remote.example%local.test>", "501", "501")]
    [InlineData("<user@local.test:25>", "501", "501")]
    [InlineData("<user@[local.test]>", "501", "501")]
    [InlineData("<@:someone@remote.example>", "501", "501")]
    [InlineData("<someone@remote.example,user@local.test>", "501", "501")]
    [InlineData("<user\\@remote.example@local.test>", "501", "501")]
    [InlineData("<\"unbalanced@local.test>", "501", "501")]
    [InlineData("<user@local..test>", "501", "501")]
    [InlineData("<user@-local.test>", "501", "501")]
    [InlineData("<>", "501", "501")]
    public async Task AddressTrick(string path, string outsider, string authorised)
    {
        Assert.StartsWith(outsider, await RcptAsync(RelayFixture.Outsider, path));
        Assert.StartsWith(authorised, await RcptAsync(RelayFixture.Exact, path));
    }

    /// <summary>RCPT of <paramref name="path"/> in a fresh session from <paramref name="client"/>; the reply.</summary>
    private async Task<string> RcptAsync(IPAddress client, string path)
    {
        using var smtp = await RawSmtpClient.ConnectAsync(fixture.Server.SmtpPort, localAddress: client);
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<sender@client.test>"));
        return await smtp.CommandAsync("RCPT TO:" + path);
    }
}
