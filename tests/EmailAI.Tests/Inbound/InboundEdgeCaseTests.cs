using System.Net;
using System.Text;
using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Routing;

namespace EmailAI.Tests.Inbound;

/// <summary>
/// Sender authentication on messages a careful sender never writes, through SMTP against a server process whose
/// resolver is a fake DNS server: a header with no blank line after it, no header at all, a From field longer than
/// 998 octets, several From fields or addresses, and clients over IPv6. The rule each asserts: a message whose From a
/// reader would show as a <c>p=reject</c> domain is never delivered unauthenticated, and a From that is not exactly
/// one address never earns the white-list mark (RFC 7489 §6.6.1).
/// </summary>
public sealed class InboundEdgeCaseTests
{
    private const string Owner = "owner@local.test";

    [Fact]
    public async Task HeaderWithoutBlankLineOrBody_ChecksStillRun()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns);

        // RFC 5322 §3.5: the body is optional, and so is the blank line before it.
        Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "someone@forged.example", "From: ceo@forged.example\r\nSubject: no body\r\n.\r\n"));
        Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "someone@forged.example", "Subject: no body\r\nFrom: ceo@forged.example\r\n.\r\n"));
        Assert.StartsWith("250 2.0.0", await SendAsync(server, "friend@good.example", "From: friend@good.example\r\nSubject: no body\r\n.\r\n"));

        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(server, Owner));
        var text = Encoding.UTF8.GetString(stored);
        Assert.Contains("dmarc=pass", text, StringComparison.Ordinal);
        Assert.EndsWith("From: friend@good.example\r\nSubject: no body\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoHeaderAtAll_DeliveredWithoutDmarcPassOrWhiteListMark()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns);
        await ListAsync(server, "friend@good.example");

        // The envelope sender is listed and SPF passes, but there is no From a reader sees: no DMARC pass, no mark.
        Assert.StartsWith("250 2.0.0", await SendAsync(server, "friend@good.example", "\r\nonly a body\r\n.\r\n"));

        var headers = SmtpConversation.Headers(Assert.Single(await SmtpConversation.ReadMaildropAsync(server, Owner)));
        Assert.Contains("spf=pass", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("dmarc=pass", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("X-EmailAI-WhiteList", headers, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task FromLongerThan998Octets_OnOneLineOrFolded_PolicyStillApplies()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns);
        var longName = new string('x', 1200);
        var folded = string.Join("\r\n ", Enumerable.Range(0, 40).Select(i => $"Name{i}"));

        Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "someone@lax.example", $"From: \"{longName}\" <ceo@forged.example>\r\nSubject: long\r\n\r\nhi\r\n.\r\n"));
        Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "someone@lax.example", $"From: {folded}\r\n <ceo@forged.example>\r\nSubject: folded\r\n\r\nhi\r\n.\r\n"));
        Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "someone@lax.example", $"From: ({longName}) ceo@forged.example\r\nSubject: comment\r\n\r\nhi\r\n.\r\n"));

        // The same length from a domain that authenticates is delivered, and its From is kept as written.
        Assert.StartsWith("250 2.0.0", await SendAsync(server, "friend@good.example", $"From: \"{longName}\" <friend@good.example>\r\nSubject: long\r\n\r\nhi\r\n.\r\n"));
        var text = Encoding.UTF8.GetString(Assert.Single(await SmtpConversation.ReadMaildropAsync(server, Owner)));
        Assert.Contains("dmarc=pass", text, StringComparison.Ordinal);
        Assert.Contains(longName, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralFromFieldsOrAddresses_RejectDomainAnywhere_Refused_OthersNeverMarked()
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns);
        await ListAsync(server, "friend@good.example");

        Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "someone@lax.example", "From: a@lax.example\r\nFrom: ceo@forged.example\r\n\r\nhi\r\n.\r\n"));
        Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "someone@lax.example", "From: ceo@forged.example\r\nFrom: a@lax.example\r\n\r\nhi\r\n.\r\n"));
        Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "someone@lax.example", "From: a@lax.example, ceo@forged.example\r\n\r\nhi\r\n.\r\n"));
        Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "someone@lax.example", "From: Team: a@lax.example, ceo@forged.example;\r\n\r\nhi\r\n.\r\n"));

        // Every From names the listed, authenticated sender, but there are two of them (RFC 5322 §3.6 allows one):
        // delivered, never marked as from the listed sender.
        Assert.StartsWith("250 2.0.0", await SendAsync(server, "friend@good.example", "From: friend@good.example\r\nFrom: friend@good.example\r\nSubject: 1\r\n\r\nhi\r\n.\r\n"));
        Assert.StartsWith("250 2.0.0", await SendAsync(server, "friend@good.example", "From: friend@good.example, friend@good.example\r\nSubject: 2\r\n\r\nhi\r\n.\r\n"));

        var stored = await SmtpConversation.ReadMaildropAsync(server, Owner);
        Assert.Equal(2, stored.Count);
        Assert.All(stored, m => Assert.DoesNotContain("X-EmailAI-WhiteList", SmtpConversation.Headers(m), StringComparison.OrdinalIgnoreCase));
        Assert.All(stored, m => Assert.DoesNotContain("dmarc=pass", SmtpConversation.Headers(m), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("::1")]
    [InlineData("Any")]
    public async Task ClientOverIPv6_SpfMatchesIp6Mechanisms_Ip4OnesDoNot(string listen)
    {
        await using var dns = Zone();
        await using var server = await StartAsync(dns, new() { ["EmailAI:Smtp:ListenAddress"] = listen });

        // six.example allows ::1 only; good.example allows 127.0.0.1 only (p=reject both).
        Assert.StartsWith("250 2.0.0", await SendAsync(server, "friend@six.example", "From: friend@six.example\r\nSubject: 6\r\n\r\nhi\r\n.\r\n", IPAddress.IPv6Loopback));
        Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "friend@good.example", "From: friend@good.example\r\nSubject: 4\r\n\r\nhi\r\n.\r\n", IPAddress.IPv6Loopback));
        if (listen == "Any")
        {
            // A dual-stack listener sees an IPv4 client as ::ffff:127.0.0.1; SPF must see 127.0.0.1 (RFC 7208 §5).
            Assert.StartsWith("250 2.0.0", await SendAsync(server, "friend@good.example", "From: friend@good.example\r\nSubject: 4\r\n\r\nhi\r\n.\r\n", IPAddress.Loopback));
            Assert.StartsWith("550 5.7.1 ", await SendAsync(server, "friend@six.example", "From: friend@six.example\r\nSubject: 6\r\n\r\nhi\r\n.\r\n", IPAddress.Loopback));
        }

        var stored = await SmtpConversation.ReadMaildropAsync(server, Owner);
        Assert.Equal(listen == "Any" ? 2 : 1, stored.Count);
        Assert.All(stored, m => Assert.Contains("spf=pass", SmtpConversation.Headers(m), StringComparison.Ordinal));
    }

    /// <summary>
    /// good.example: SPF passes 127.0.0.1. six.example: SPF passes ::1 only. forged.example: SPF fails both.
    /// lax.example: SPF fails both, DMARC none. All but lax.example publish DMARC reject.
    /// </summary>
    private static FakeDnsServer Zone()
    {
        var dns = FakeDnsServer.Start();
        dns.Txt("good.example", "v=spf1 ip4:127.0.0.1 -all").Txt("_dmarc.good.example", "v=DMARC1; p=reject")
            .Txt("six.example", "v=spf1 ip6:::1 -all").Txt("_dmarc.six.example", "v=DMARC1; p=reject")
            .Txt("forged.example", "v=spf1 ip4:192.0.2.1 ip6:2001:db8::/32 -all").Txt("_dmarc.forged.example", "v=DMARC1; p=reject")
            .Txt("lax.example", "v=spf1 ip4:192.0.2.1 -all").Txt("_dmarc.lax.example", "v=DMARC1; p=none");
        return dns;
    }

    private static Task<ServerProcess> StartAsync(FakeDnsServer dns, Dictionary<string, string>? extra = null) =>
        InboundAuthenticationTests.StartAsync(dns, extra);

    private static async Task ListAsync(ServerProcess server, string address)
    {
        using var response = await server.Admin.PutAsync($"/api/v1/whitelist/{Owner}/{address}", null);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<string> SendAsync(ServerProcess server, string sender, string wireData, IPAddress? over = null)
    {
        using var client = await RawSmtpClient.ConnectAsync(server.SmtpPort, server: over ?? IPAddress.Loopback).WaitAsync(SmtpConversation.ReplyTimeout);
        Assert.StartsWith("250", await client.SendCommandAsync("EHLO client.edge.test"));
        return await SmtpConversation.TransactAsync(client, sender, [Owner], Encoding.UTF8.GetBytes(wireData));
    }
}
