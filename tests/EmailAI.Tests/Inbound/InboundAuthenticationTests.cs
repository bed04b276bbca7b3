using System.Text;
using EmailAI.Tests.Delivery;
using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Routing;

namespace EmailAI.Tests.Inbound;

/// <summary>
/// Sender authentication as a mail admin sees it, through SMTP against a server process whose resolver is a fake DNS
/// server: the Authentication-Results field on stored copies, forged fields removed, DMARC's reject (550 5.7.1), a
/// temporary DNS failure on the way to it (451 4.7.5), Authorised IP clients never refused, the white-list mark only
/// for a listed and authenticated From:, and Advanced Delivery copies treated as inbound copies.
/// </summary>
public sealed class InboundAuthenticationTests
{
    private const string Owner = "owner@local.test";
    private const string AuthServId = "mx.auth.test";

    [Fact]
    public async Task AlignedSpfPass_StoredCopy_GetsOurAuthenticationResults_ForgedOnesRemoved_OthersKept()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns);

        var reply = await SendAsync(server, "friend@good.example", [Owner],
            "Authentication-Results: MX.AUTH.TEST; spf=pass smtp.mailfrom=evil.example\r\n" +
            "Authentication-Results: (comment) mx.auth.test;\r\n dkim=pass header.d=evil.example\r\n" +
            "Authentication-Results: upstream.example; dkim=pass header.d=good.example\r\n" +
            "Authentication-Results: mx.auth.test.; dmarc=pass header.from=evil.example\r\n" +
            "From: Friend <friend@good.example>\r\nSubject: hello\r\n\r\nhi\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", reply);

        var stored = Encoding.UTF8.GetString(Assert.Single(await SmtpConversation.ReadMaildropAsync(server, Owner)));
        var headers = SmtpConversation.Headers(Encoding.UTF8.GetBytes(stored));
        Assert.StartsWith("Return-Path: <friend@good.example>\r\nAuthentication-Results: mx.auth.test;", headers);
        var ours = FieldsNamed(headers, "Authentication-Results").Where(f => f.Contains(AuthServId, StringComparison.OrdinalIgnoreCase)).ToList();
        var field = Assert.Single(ours);
        Assert.Contains("spf=pass", field);
        Assert.Contains("smtp.mailfrom=good.example", field);
        Assert.Contains("dmarc=pass", field);
        Assert.Contains("header.from=good.example", field);
        Assert.DoesNotContain("evil.example", headers);
        Assert.Contains("Authentication-Results: upstream.example; dkim=pass header.d=good.example\r\n", headers);
    }

    [Fact]
    public async Task DmarcRejectPolicy_FromDomainNotAuthenticated_Refused550_NothingStored()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns);

        var reply = await SendAsync(server, "someone@forged.example", [Owner], "From: ceo@forged.example\r\nSubject: pay now\r\n\r\nhi\r\n.\r\n");
        Assert.StartsWith("550 5.7.1 ", reply);
        Assert.Contains("DMARC", reply);
        Assert.Contains("forged.example", reply);
        Assert.Empty(await SmtpConversation.ReadMaildropAsync(server, Owner));
    }

    [Theory]
    [InlineData("From: ceo@forged.example;")]
    [InlineData("From: CEO ceo@forged.example")]
    [InlineData("From: ceo@@forged.example")]
    [InlineData("From: ceo@forged_x.forged.example")]
    [InlineData("From: <>, ceo@forged.example")]
    public async Task DmarcRejectPolicy_MalformedFromNamingTheDomain_StillRefused(string from)
    {
        // Regression (black-box attack, issue 13): a From MimeKit could not parse was delivered with dmarc=permerror,
        // although readers show the p=reject domain it names.
        await using var dns = Zone();
        await using var server = await StartAsync(dns);

        var reply = await SendAsync(server, "someone@lax.example", [Owner], from + "\r\nSubject: pay now\r\n\r\nhi\r\n.\r\n");
        Assert.StartsWith("550 5.7.1 ", reply);
        Assert.Empty(await SmtpConversation.ReadMaildropAsync(server, Owner));
    }

    [Fact]
    public async Task DmarcRejectOff_Failure_DeliveredWithTheResultRecorded()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns, new() { ["EmailAI:Authentication:DmarcReject"] = "false" });

        Assert.StartsWith("250 2.0.0", await SendAsync(server, "someone@forged.example", [Owner], "From: ceo@forged.example\r\n\r\nhi\r\n.\r\n"));
        var headers = SmtpConversation.Headers(Assert.Single(await SmtpConversation.ReadMaildropAsync(server, Owner)));
        Assert.Contains("dmarc=fail", headers);
        Assert.Contains("spf=fail", headers);
    }

    [Fact]
    public async Task DmarcLookupServFail_WithSpfFailing_Answers451_4_7_5_NothingStored()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns);

        var reply = await SendAsync(server, "someone@flaky.example", [Owner], "From: someone@flaky.example\r\n\r\nhi\r\n.\r\n");
        Assert.StartsWith("451 4.7.5 ", reply);
        Assert.Empty(await SmtpConversation.ReadMaildropAsync(server, Owner));
    }

    /// <summary>
    /// DNS that never answers, with lookup and check timeouts longer than the grain call's 30 s: before the commit
    /// deadline the gateway answered 451 4.3.0 at 30 s while ingest went on and stored the message, a duplicate when
    /// the client retried. Now the checks end before the deadline, and the reply says what the store holds.
    /// </summary>
    [Fact]
    public async Task DnsNeverAnswering_ChecksLongerThanTheGrainCall_ReplyBeforeItsTimeoutAndAgreesWithTheStore()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Drop("slow.example").Drop("_dmarc.slow.example");
        await using var server = await StartAsync(dns, new Dictionary<string, string>
        {
            ["EmailAI:Dns:Timeout"] = "00:00:45",
            ["EmailAI:Authentication:Timeout"] = "00:01:00",
        });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var reply = await SendAsync(server, "someone@slow.example", [Owner], "From: someone@slow.example\r\n\r\nhi\r\n.\r\n");
        var elapsed = clock.Elapsed;

        Assert.True(elapsed < TimeSpan.FromSeconds(30), $"answered after {elapsed}: {reply}");
        Assert.DoesNotContain("4.3.0", reply, StringComparison.Ordinal);
        // Whatever ingest was still doing has had time to finish: the store holds the message only if 250 said so.
        await Task.Delay(TimeSpan.FromSeconds(8));
        var stored = await SmtpConversation.ReadMaildropAsync(server, Owner);
        if (reply.StartsWith("250 ", StringComparison.Ordinal))
        {
            var copy = Assert.Single(stored);
            Assert.Contains("temperror", Encoding.UTF8.GetString(copy), StringComparison.Ordinal);
        }
        else
        {
            Assert.StartsWith("451 4.7.5 ", reply);
            Assert.Empty(stored);
        }
    }

    [Fact]
    public async Task AuthorisedClient_DmarcFailure_NotRefused_ResultRecorded()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns);
        using (var relay = await server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.1"]}""")))
        {
            relay.EnsureSuccessStatusCode();
        }

        Assert.StartsWith("250 2.0.0", await SendAsync(server, "app@forged.example", [Owner], "From: app@forged.example\r\n\r\nreport\r\n.\r\n"));
        Assert.Contains("dmarc=fail", SmtpConversation.Headers(Assert.Single(await SmtpConversation.ReadMaildropAsync(server, Owner))));
    }

    [Fact]
    public async Task WhiteListMark_ListedFromAuthenticated_Given_ListedFromNotAuthenticated_Refused_EnvelopeAloneNeverEnough()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns);
        foreach (var listed in new[] { "friend@good.example", "friend@lax.example" })
        {
            (await server.Admin.PutAsync($"/api/v1/whitelist/{Owner}/{listed}", null)).EnsureSuccessStatusCode();
        }

        // Listed, and SPF passes for an aligned domain: marked.
        Assert.StartsWith("250", await SendAsync(server, "friend@good.example", [Owner], "From: friend@good.example\r\nSubject: 1\r\n\r\nhi\r\n.\r\n"));

        // Listed, but lax.example's SPF fails for this client (p=none, so it is delivered): a forger, not marked.
        Assert.StartsWith("250", await SendAsync(server, "friend@lax.example", [Owner], "From: friend@lax.example\r\nSubject: 2\r\n\r\nhi\r\n.\r\n"));

        // The envelope sender is listed and authenticated, but the From: a user sees is not on the list: not marked.
        Assert.StartsWith("250", await SendAsync(server, "friend@good.example", [Owner], "From: boss@good.example\r\nSubject: 3\r\n\r\nhi\r\n.\r\n"));

        // A sender-written mark never survives.
        Assert.StartsWith("250", await SendAsync(server, "friend@lax.example", [Owner], "X-EmailAI-WhiteList: pass\r\nFrom: friend@lax.example\r\nSubject: 4\r\n\r\nhi\r\n.\r\n"));

        var stored = (await SmtpConversation.ReadMaildropAsync(server, Owner)).Select(m => SmtpConversation.Headers(m)).ToList();
        Assert.Equal(4, stored.Count);
        Assert.StartsWith("Return-Path: <friend@good.example>\r\nX-EmailAI-WhiteList: pass\r\nAuthentication-Results: ", stored[0]);
        Assert.All(stored.Skip(1), h => Assert.DoesNotContain("X-EmailAI-WhiteList", h, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task AdvancedDeliveryCopy_GetsAuthenticationResults_ForgedWhiteListFieldRemoved()
    {
        await using var dns = Zone();
        await using var sink = await SmtpSink.StartAsync();
        await using var server = await StartAsync(dns);
        using (var domain = await server.Admin.PutAsync("/api/v1/domains/internal.test",
            ServerProcess.Json($$$"""{"name":"internal.test","delivery":{"mode":"forward","host":"127.0.0.1","port":{{{sink.Port}}},"verifyRecipients":"none"}}""")))
        {
            domain.EnsureSuccessStatusCode();
        }

        Assert.StartsWith("250", await SendAsync(server, "friend@good.example", ["carol@internal.test"],
            "X-EmailAI-WhiteList: pass\r\nAuthentication-Results: mx.auth.test; dmarc=pass\r\nFrom: friend@good.example\r\nSubject: fwd\r\n\r\nhi\r\n.\r\n"));
        await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        var headers = SmtpConversation.Headers(Assert.Single(sink.Messages).Data);
        Assert.StartsWith("Authentication-Results: mx.auth.test;", headers);
        Assert.Single(FieldsNamed(headers, "Authentication-Results"));
        Assert.Contains("spf=pass", headers);
        Assert.DoesNotContain("X-EmailAI-WhiteList", headers, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Return-Path", headers);
    }

    [Fact]
    public async Task AuthenticationOff_NoResultsField_ButForgedOnesStillRemoved()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns, new() { ["EmailAI:Authentication:Enabled"] = "false" });

        Assert.StartsWith("250", await SendAsync(server, "someone@forged.example", [Owner],
            "Authentication-Results: mx.auth.test; dmarc=pass\r\nFrom: ceo@forged.example\r\n\r\nhi\r\n.\r\n"));
        Assert.DoesNotContain("Authentication-Results", SmtpConversation.Headers(Assert.Single(await SmtpConversation.ReadMaildropAsync(server, Owner))));
        Assert.Equal(0, dns.QueryCount);
    }

    /// <summary>
    /// good.example: SPF passes 127.0.0.1, DMARC reject. forged.example: SPF fails it, DMARC reject. lax.example: SPF
    /// fails it, DMARC none. flaky.example: SPF fails it, and its DMARC record cannot be fetched (SERVFAIL).
    /// </summary>
    private static FakeDnsServer Zone()
    {
        var dns = FakeDnsServer.Start();
        dns.Txt("good.example", "v=spf1 ip4:127.0.0.1 -all").Txt("_dmarc.good.example", "v=DMARC1; p=reject")
            .Txt("forged.example", "v=spf1 ip4:192.0.2.1 -all").Txt("_dmarc.forged.example", "v=DMARC1; p=reject")
            .Txt("lax.example", "v=spf1 ip4:192.0.2.1 -all").Txt("_dmarc.lax.example", "v=DMARC1; p=none")
            .Txt("flaky.example", "v=spf1 ip4:192.0.2.1 -all").ServFail("_dmarc.flaky.example");
        return dns;
    }

    /// <summary>A server whose resolver is <paramref name="dns"/>, with the checks on and <c>owner@local.test</c> provisioned.</summary>
    internal static async Task<ServerProcess> StartAsync(FakeDnsServer dns, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["EmailAI:ServerDomain"] = AuthServId,
            ["EmailAI:Authentication:Enabled"] = "true",
            ["EmailAI:Dns:Servers:0"] = $"127.0.0.1:{dns.Port}",
            ["EmailAI:Dns:Timeout"] = "00:00:02",
            ["EmailAI:Dns:Retries"] = "0",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var server = await ServerProcess.StartNewAsync(settings);
        await server.ProvisionAsync(Owner);
        return server;
    }

    private static async Task<string> SendAsync(ServerProcess server, string sender, string[] recipients, string wireData)
    {
        using var client = await SmtpConversation.ConnectAsync(server);
        return await SmtpConversation.TransactAsync(client, sender, recipients, Encoding.UTF8.GetBytes(wireData));
    }

    /// <summary>Each field named <paramref name="name"/> in a header block, unfolded continuation lines included.</summary>
    private static IEnumerable<string> FieldsNamed(string headers, string name)
    {
        var current = default(StringBuilder);
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
            {
                current?.Append(line);
                continue;
            }

            if (current is not null)
            {
                yield return current.ToString();
                current = null;
            }

            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                current = new StringBuilder(line);
            }
        }

        if (current is not null)
        {
            yield return current.ToString();
        }
    }
}
