using System.Text;
using EmailAI.Tests.Delivery;
using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Relay;
using EmailAI.Tests.Routing;

namespace EmailAI.Tests.Inbound;

/// <summary>
/// Regression (black-box attack, issue 13): the notice suppression for mail whose sender failed SPF or DMARC was
/// applied only to bounces built with the content at hand. A delay warning, and the bounce at the end of the queue
/// lifetime when the internal server cannot be reached at all, still went to the forged sender of an Advanced
/// Delivery message. Here the internal server is a port nothing listens on, and every sender's domain routes to one sink: the
/// authenticated control sender gets its notice, the forged one gets none.
/// </summary>
public sealed class BackscatterNoticeEndToEndTests
{
    private const string Forged = "someone@lax.example";
    private const string Control = "friend@good.example";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task InternalServerUnreachable_DelayWarning_OnlyToTheAuthenticatedSender()
    {
        await using var dns = Zone();
        await using var senders = await SmtpSink.StartAsync();
        await using var server = await StartAsync(dns, senders, new() { ["EmailAI:Delivery:DelayWarningAfter"] = "00:00:01" });

        // The forged message first: its notice would be due before the control's.
        Assert.StartsWith("250 2.0.0", await SendAsync(server, Forged, "From: someone@lax.example\r\nSubject: forged\r\n\r\nhi\r\n.\r\n"));
        Assert.StartsWith("250 2.0.0", await SendAsync(server, Control, "From: friend@good.example\r\nSubject: control\r\n\r\nhi\r\n.\r\n"));

        var warning = Assert.Single(await senders.WaitForMessagesAsync(1, Patience));
        Assert.Equal([Control], warning.Recipients);
        Assert.Contains("delayed", Encoding.UTF8.GetString(warning.Data), StringComparison.OrdinalIgnoreCase);

        // A few more attempts and scans: still nothing for the forged sender, and the control is warned once.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Single(senders.Messages);
        Assert.DoesNotContain(senders.Messages, m => m.Recipients.Contains(Forged));
    }

    [Fact]
    public async Task InternalServerUnreachable_LifetimeExpires_BounceOnlyToTheAuthenticatedSender()
    {
        await using var dns = Zone();
        await using var senders = await SmtpSink.StartAsync();
        await using var server = await StartAsync(dns, senders, new() { ["EmailAI:Delivery:MaximalLifetime"] = "00:00:04" });

        Assert.StartsWith("250 2.0.0", await SendAsync(server, Forged, "From: someone@lax.example\r\nSubject: forged\r\n\r\nhi\r\n.\r\n"));
        Assert.StartsWith("250 2.0.0", await SendAsync(server, Control, "From: friend@good.example\r\nSubject: control\r\n\r\nhi\r\n.\r\n"));

        var bounce = Assert.Single(await senders.WaitForMessagesAsync(1, Patience));
        Assert.Equal([Control], bounce.Recipients);
        Assert.Equal("", bounce.MailFrom);

        // Both expired: the forged message's rows went too, without a notice.
        await RelayDeliveryTests.WaitForEmptyQueueAsync(server);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(senders.Messages);
    }

    /// <summary>good.example: SPF passes 127.0.0.1. lax.example: SPF fails it, DMARC p=none, so its mail is delivered.</summary>
    private static FakeDnsServer Zone()
    {
        var dns = FakeDnsServer.Start();
        dns.Txt("good.example", "v=spf1 ip4:127.0.0.1 -all").Txt("_dmarc.good.example", "v=DMARC1; p=reject")
            .Txt("lax.example", "v=spf1 ip4:192.0.2.1 -all").Txt("_dmarc.lax.example", "v=DMARC1; p=none");
        return dns;
    }

    private static async Task<ServerProcess> StartAsync(FakeDnsServer dns, SmtpSink senders, Dictionary<string, string> extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["EmailAI:ServerDomain"] = "mx.auth.test",
            ["EmailAI:Authentication:Enabled"] = "true",
            ["EmailAI:Dns:Servers:0"] = $"127.0.0.1:{dns.Port}",
            ["EmailAI:Dns:Timeout"] = "00:00:02",
            ["EmailAI:Dns:Retries"] = "0",
            ["EmailAI:Delivery:MinimalBackoff"] = "00:00:01",
            ["EmailAI:Delivery:MaximalBackoff"] = "00:00:02",
            ["EmailAI:Delivery:QueueScanInterval"] = "00:00:01",
            ["EmailAI:Delivery:DelayWarningAfter"] = "00:00:00",
            ["EmailAI:Delivery:Routes:good.example"] = $"127.0.0.1:{senders.Port}",
            ["EmailAI:Delivery:Routes:lax.example"] = $"127.0.0.1:{senders.Port}",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var server = await ServerProcess.StartNewAsync(settings);
        using var domain = await server.Admin.PutAsync("/api/v1/domains/internal.test", ServerProcess.Json(
            $$$"""{"name":"internal.test","delivery":{"mode":"forward","host":"127.0.0.1","port":{{{ServerProcess.FreePort()}}},"verifyRecipients":"none"}}"""));
        domain.EnsureSuccessStatusCode();
        return server;
    }

    private static async Task<string> SendAsync(ServerProcess server, string sender, string wireData)
    {
        using var client = await SmtpConversation.ConnectAsync(server);
        return await SmtpConversation.TransactAsync(client, sender, ["carol@internal.test"], Encoding.UTF8.GetBytes(wireData));
    }
}
