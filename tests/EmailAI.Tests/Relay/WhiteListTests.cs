using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Tests.Delivery;
using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Routing;
using EmailAI.Tests.WhiteList;

namespace EmailAI.Tests.Relay;

/// <summary>
/// The auto white list end to end: a local user relays mail through an authorised client, the recipients join
/// that user's white list, and their mail to the user comes in marked X-EmailAI-WhiteList: pass when its From: is
/// listed and DMARC-authenticated (the tests' DNS gives remote.example and example.com SPF records that pass the
/// client); plus the admin API.
/// </summary>
public sealed class WhiteListTests
{
    private const string Owner = "owner@local.test";
    private const string Other = "other@local.test";

    [Fact]
    public async Task RelayedRecipients_JoinTheSendersWhiteList_TheirMailComesInMarked()
    {
        await using var dns = SenderZone();
        await using var sink = await SmtpSink.StartAsync();
        await using var server = await StartAsync(sink, autoWhiteList: true, dns);

        await SendAsync(server, Owner, ["Friend@Remote.Example", "colleague@other.example"], "Subject: hello\r\n\r\nhi\r\n.\r\n");
        await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        var list = await WhiteListAdmin.WaitForListAsync(server, Owner, 2);
        Assert.Equal(["colleague@other.example", "friend@remote.example"], list.Select(e => e.GetProperty("address").GetString()));
        Assert.All(list, e => Assert.Equal("relayed", e.GetProperty("source").GetString()));

        // The friend writes back to the owner and to another local user, who has no white list: one marked copy, one plain.
        await SendAsync(server, "friend@remote.example", [Owner, Other], "From: Friend <friend@remote.example>\r\nSubject: reply\r\n\r\nthanks\r\n.\r\n");
        var owners = await SmtpConversation.ReadMaildropAsync(server, Owner);
        var others = await SmtpConversation.ReadMaildropAsync(server, Other);
        Assert.StartsWith("Return-Path: <friend@remote.example>\r\nX-EmailAI-WhiteList: pass\r\nAuthentication-Results: relay.e2e.test;", Encoding.UTF8.GetString(Assert.Single(owners)));
        Assert.DoesNotContain("X-EmailAI-WhiteList", Encoding.UTF8.GetString(Assert.Single(others)));

        var matched = (await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/whitelist/{Owner}")).EnumerateArray()
            .Single(e => e.GetProperty("address").GetString() == "friend@remote.example");
        Assert.Equal(JsonValueKind.String, matched.GetProperty("lastMatchedAt").ValueKind);
    }

    [Fact]
    public async Task SenderNotListed_ForgedWhiteListField_Removed()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var server = await StartAsync(sink, autoWhiteList: true);

        await SendAsync(server, "stranger@remote.example", [Owner], "X-EmailAI-WhiteList: pass\r\nx-emailai-whitelist: pass,\r\n folded\r\nSubject: trust me\r\n\r\nX-EmailAI-WhiteList: pass in the body stays\r\n.\r\n");
        var stored = Encoding.UTF8.GetString(Assert.Single(await SmtpConversation.ReadMaildropAsync(server, Owner)));
        var headers = SmtpConversation.Headers(Encoding.UTF8.GetBytes(stored));
        Assert.DoesNotContain("whitelist", headers, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("folded", headers, StringComparison.Ordinal);
        Assert.Contains("Subject: trust me\r\n", headers);
        Assert.EndsWith("\r\n\r\nX-EmailAI-WhiteList: pass in the body stays\r\n", stored);
    }

    [Fact]
    public async Task AutoWhiteListOff_RelayedRecipientsNotAdded()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var server = await StartAsync(sink, autoWhiteList: false);

        await SendAsync(server, Owner, ["friend@remote.example"], "Subject: hello\r\n\r\nhi\r\n.\r\n");
        await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        await Task.Delay(500);
        Assert.Equal(0, (await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/whitelist/{Owner}")).GetArrayLength());
    }

    [Fact]
    public async Task AdminApi_PutListDelete_AndTheListGoesWithTheAccount()
    {
        await using var dns = SenderZone();
        await using var sink = await SmtpSink.StartAsync();
        await using var server = await StartAsync(sink, autoWhiteList: false, dns);

        using (var created = await server.Admin.PutAsync($"/api/v1/whitelist/{Owner}/Partner@Example.COM", null))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var entry = await created.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("partner@example.com", entry.GetProperty("address").GetString());
            Assert.Equal("admin", entry.GetProperty("source").GetString());
        }

        using (var again = await server.Admin.PutAsync($"/api/v1/whitelist/{Owner}/partner@example.com", null))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        await AssertProblemAsync(await server.Admin.PutAsync($"/api/v1/whitelist/{Owner}/not-an-address", null), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await server.Admin.GetAsync("/api/v1/whitelist/nobody@local.test"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await server.Admin.GetAsync("/api/v1/whitelist/not-an-address"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await server.Admin.DeleteAsync($"/api/v1/whitelist/{Owner}/unknown@example.com"), HttpStatusCode.NotFound);

        await SendAsync(server, "PARTNER@example.com", [Owner], "From: PARTNER@example.com\r\nSubject: listed by hand\r\n\r\nhi\r\n.\r\n");
        Assert.Contains("X-EmailAI-WhiteList: pass\r\n", Encoding.UTF8.GetString(Assert.Single(await SmtpConversation.ReadMaildropAsync(server, Owner))));

        using (var deleted = await server.Admin.DeleteAsync($"/api/v1/whitelist/{Owner}/partner@example.com"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0, (await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/whitelist/{Owner}")).GetArrayLength());

        // An account deleted and created again starts with an empty list.
        (await server.Admin.PutAsync($"/api/v1/whitelist/{Owner}/partner@example.com", null)).Dispose();
        (await server.Admin.DeleteAsync($"/api/v1/accounts/{Owner}")).EnsureSuccessStatusCode();
        await server.ProvisionAsync(Owner);
        Assert.Equal(0, (await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/whitelist/{Owner}")).GetArrayLength());
    }

    [Fact]
    public async Task WhiteList_SurvivesRestart()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var server = await StartAsync(sink, autoWhiteList: true);
        await SendAsync(server, Owner, ["friend@remote.example"], "Subject: hello\r\n\r\nhi\r\n.\r\n");
        await WhiteListAdmin.WaitForListAsync(server, Owner, 1);

        await server.StopAsync();
        await server.StartAsync();
        Assert.Equal("friend@remote.example", Assert.Single(await WhiteListAdmin.WaitForListAsync(server, Owner, 1)).GetProperty("address").GetString());
    }

    /// <summary>SPF records that pass 127.0.0.1 for the outside senders the tests write as.</summary>
    private static FakeDnsServer SenderZone() =>
        FakeDnsServer.Start().Txt("remote.example", "v=spf1 ip4:127.0.0.1 -all").Txt("example.com", "v=spf1 ip4:127.0.0.1 -all");

    /// <summary>A server relaying to the sink; with <paramref name="dns"/>, sender authentication is on and asks it.</summary>
    private static async Task<ServerProcess> StartAsync(SmtpSink sink, bool autoWhiteList, FakeDnsServer? dns = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["EmailAI:ServerDomain"] = "relay.e2e.test",
            ["EmailAI:Delivery:Routes:*"] = $"127.0.0.1:{sink.Port}",
        };
        if (dns is not null)
        {
            settings["EmailAI:Authentication:Enabled"] = "true";
            settings["EmailAI:Dns:Servers:0"] = $"127.0.0.1:{dns.Port}";
        }

        var server = await ServerProcess.StartNewAsync(settings);
        await server.ProvisionAsync(Owner);
        await server.ProvisionAsync(Other);
        using var relay = await server.Admin.PutAsync(
            "/api/v1/relay",
            ServerProcess.Json($$"""{"authorisedIps":["127.0.0.1"],"autoWhiteListRecipients":{{(autoWhiteList ? "true" : "false")}}}"""));
        relay.EnsureSuccessStatusCode();
        return server;
    }

    private static async Task SendAsync(ServerProcess server, string sender, string[] recipients, string wireData)
    {
        using var client = await SmtpConversation.ConnectAsync(server);
        Assert.StartsWith("250 2.0.0", await SmtpConversation.TransactAsync(client, sender, recipients, Encoding.UTF8.GetBytes(wireData)));
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            Assert.Equal(expected, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
