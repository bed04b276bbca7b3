using System.Text;
using System.Text.Json;
using System.Net.Http.Json;
using EmailAI.Tests.Delivery;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Postgres;

/// <summary>
/// The store's claim on queue rows, between two silos: two clusters on one PostgreSQL queue each run their own
/// activation of the same destination — what a membership change or a rebalance can briefly produce inside one
/// cluster — and race for the same due rows. Each message still arrives exactly once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterClaimTests(PostgresFixture fixture)
{
    private const int Messages = 30;

    // Each send holds its connection this long, so the 30 sends over 3 connections take about 3 s: longer than
    // both nodes' 1 s queue scans, so the second node's activation finds rows left and really races for them.
    // (At 50 ms the first node to scan could send them all in half a second, and under load sometimes did.)

    [Fact]
    public async Task TwoActivationsOfOneDestination_RacingForTheSameRows_EveryMessageArrivesExactlyOnce()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Greeting = "421 4.3.2 Not yet", DataDelay = TimeSpan.FromMilliseconds(300) });
        var connectionString = await fixture.NewDatabaseAsync();
        Dictionary<string, string> Node(string name) => new()
        {
            ["EmailAI:Storage:Provider"] = "PostgreSql",
            ["EmailAI:Storage:ConnectionString"] = connectionString,
            ["EmailAI:Cluster:ClusterId"] = name + Guid.NewGuid().ToString("N")[..8],
            ["EmailAI:Cluster:AdvertisedAddress"] = "127.0.0.1",
            ["EmailAI:Delivery:HeloName"] = name + ".claims.test",
            ["EmailAI:Delivery:Routes:*"] = $"127.0.0.1:{sink.Port}",
            ["EmailAI:Delivery:MaxConnectionsPerDestination"] = "3",
            ["EmailAI:Delivery:MinimalBackoff"] = "00:00:01",
            ["EmailAI:Delivery:MaximalBackoff"] = "00:00:01",
            ["EmailAI:Delivery:QueueScanInterval"] = "00:00:01",
            ["EmailAI:Delivery:DelayWarningAfter"] = "00:00:00",
        };

        await using var nodeA = await ServerProcess.StartNewAsync(Node("a"));
        await using var nodeB = await ServerProcess.StartNewAsync(Node("b"));
        using (var relay = await nodeA.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.1"]}""")))
        {
            relay.EnsureSuccessStatusCode();
        }

        using (var client = await SmtpConversation.ConnectAsync(nodeA))
        {
            for (var i = 0; i < Messages; i++)
            {
                Assert.StartsWith("250 2.0.0", await SmtpConversation.TransactAsync(client, "sender@remote.example", [$"r{i}@far.example"], Encoding.ASCII.GetBytes($"Message-ID: <claim-{i}@test>\r\n\r\nbody\r\n.\r\n")));
            }
        }

        // Every row has failed once, so from now on both nodes' activations find them due every second.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await nodeB.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue")).EnumerateArray().Count(e => e.GetProperty("attempts").GetInt32() >= 1) < Messages)
        {
            Assert.True(DateTime.UtcNow < deadline, "rows not all attempted");
            await Task.Delay(100);
        }

        sink.Options.Greeting = null;
        deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await nodeA.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue")).GetArrayLength() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "queue not empty");
            await Task.Delay(100);
        }

        await sink.WaitForIdleAsync(TimeSpan.FromSeconds(10));
        var received = sink.Messages;
        var twice = received.GroupBy(m => m.Recipients.Single()).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(twice);
        Assert.Equal(Messages, received.Count);

        // Both activations delivered: they really raced for the rows.
        Assert.Equal(["a.claims.test", "b.claims.test"], received.Select(m => m.HeloName).Distinct().Order());
    }
}
