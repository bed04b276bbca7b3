using System.Text;
using System.Text.Json;
using System.Net.Http.Json;
using EmailAI.Tests.Delivery;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Postgres;

/// <summary>
/// Relaying in cluster mode: two silos both deliver from the PostgreSQL queue, yet one destination's
/// connection limit holds for the whole cluster, because the destination is one grain.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterRelayTests(PostgresFixture fixture)
{
    [Fact]
    public async Task TwoSilos_RelayThroughTwoGateways_EveryMessageOnceAndTheCapHoldsClusterWide()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DataDelay = TimeSpan.FromMilliseconds(200) });
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "r" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> Common() => new()
        {
            ["EmailAI:Storage:Provider"] = "PostgreSql",
            ["EmailAI:Storage:ConnectionString"] = connectionString,
            ["EmailAI:Cluster:ClusterId"] = clusterId,
            ["EmailAI:Cluster:AdvertisedAddress"] = "127.0.0.1",
            ["EmailAI:Delivery:Routes:*"] = $"127.0.0.1:{sink.Port}",
            ["EmailAI:Delivery:MaxConnectionsPerDestination"] = "2",
            ["EmailAI:Delivery:InitialConnectionsPerDestination"] = "2",
            ["EmailAI:Delivery:QueueScanInterval"] = "00:00:01",
        };
        Dictionary<string, string> Silo() => new(Common()) { ["EmailAI:Cluster:GatewayPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) };

        await using var silo1 = await ServerProcess.StartNewAsync(Silo(), ServerProcess.SiloDll);
        await using var silo2 = await ServerProcess.StartNewAsync(Silo(), ServerProcess.SiloDll);
        await using var gatewayA = await ServerProcess.StartNewAsync(Common(), ServerProcess.GatewayDll);
        await using var gatewayB = await ServerProcess.StartNewAsync(Common(), ServerProcess.GatewayDll);
        using (var relay = await gatewayA.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.1"]}""")))
        {
            relay.EnsureSuccessStatusCode();
        }

        await Task.WhenAll(SendAsync(gatewayA, 0), SendAsync(gatewayB, 1));

        var received = await sink.WaitForMessagesAsync(20, TimeSpan.FromSeconds(60));
        Assert.Equal(20, received.Count);
        Assert.Equal(20, received.Select(m => m.Recipients.Single()).Distinct().Count());
        Assert.InRange(sink.MaxConcurrentConnections, 1, 2);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await gatewayB.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue")).GetArrayLength() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "queue not empty");
            await Task.Delay(100);
        }
    }

    private static async Task SendAsync(ServerProcess gateway, int offset)
    {
        using var client = await SmtpConversation.ConnectAsync(gateway);
        for (var i = offset; i < 20; i += 2)
        {
            Assert.StartsWith("250 2.0.0", await SmtpConversation.TransactAsync(client, "sender@remote.example", [$"r{i}@far.example"], Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\nbody\r\n.\r\n")));
        }
    }
}
