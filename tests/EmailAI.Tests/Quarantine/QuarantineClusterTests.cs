using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Postgres;

namespace EmailAI.Tests.Quarantine;

/// <summary>
/// The quarantine in cluster mode: a gateway-only process (no store of its own) takes the mail and serves the
/// quarantine API, the silo on PostgreSQL holds it, and a release through the gateway lands in the maildrop POP3 shows.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class QuarantineClusterTests(PostgresFixture fixture)
{
    [Fact]
    public async Task GatewayOnly_HoldListReadRelease_ServedByTheSiloOnPostgreSql()
    {
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "q" + Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string>
        {
            ["EmailAI:Storage:Provider"] = "PostgreSql",
            ["EmailAI:Storage:ConnectionString"] = connectionString,
            ["EmailAI:Cluster:ClusterId"] = clusterId,
            ["EmailAI:Cluster:AdvertisedAddress"] = "127.0.0.1",
        };
        await using var silo = await ServerProcess.StartNewAsync(
            new Dictionary<string, string>(settings) { ["EmailAI:Cluster:GatewayPort"] = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture) },
            ServerProcess.SiloDll);
        await using var gateway = await ServerProcess.StartNewAsync(settings, ServerProcess.GatewayDll);
        const string ivy = "ivy@cluster.quarantine.test";
        await gateway.ProvisionAsync(ivy);

        // After provisioning, whose PUT of the domain replaces it: the account inherits the domain's default.
        using (var domain = await gateway.Admin.PutAsync("/api/v1/domains/cluster.quarantine.test", ServerProcess.Json("""{"delivery":{"mode":"mailbox"},"unlistedSenders":"quarantine"}""")))
        {
            domain.EnsureSuccessStatusCode();
        }

        await SmtpConversation.DeliverAsync(gateway, "stranger@remote.test", ivy, "From: stranger@remote.test\r\nSubject: across the cluster\r\n\r\nhello\r\n.\r\n");

        var held = Assert.Single((await gateway.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{ivy}/quarantine")).EnumerateArray());
        Assert.Equal("across the cluster", held.GetProperty("subject").GetString());
        var id = held.GetProperty("id").GetInt64();
        var raw = await gateway.Admin.GetByteArrayAsync($"/api/v1/accounts/{ivy}/quarantine/{id}");
        Assert.Contains("Subject: across the cluster", Encoding.UTF8.GetString(raw), StringComparison.Ordinal);
        using (var pop3 = await Pop3Steps.LoginAsync(gateway, ivy))
        {
            Assert.Equal(0, (await pop3.StatAsync()).Count);
            await pop3.QuitAsync(0);
        }

        using (var release = await gateway.Admin.PostAsync($"/api/v1/accounts/{ivy}/quarantine/{id}/release", null))
        {
            Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        }

        using (var pop3 = await Pop3Steps.LoginWhenFreeAsync(gateway, ivy, TimeSpan.FromSeconds(30)))
        {
            Assert.Equal((1, raw.Length), await pop3.StatAsync());
            await pop3.QuitAsync(0);
        }

        Assert.Empty((await gateway.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{ivy}/quarantine")).EnumerateArray());
    }
}
