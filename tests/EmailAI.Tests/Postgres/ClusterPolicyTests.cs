using System.Diagnostics;
using EmailAI.Tests.EndToEnd;
using Xunit.Abstractions;

namespace EmailAI.Tests.Postgres;

/// <summary>
/// The relay policy is read from a snapshot cached in each silo, so no RCPT waits on the cluster's single
/// relay-policy grain. A change made through the admin API must still reach every node within 1 s
/// (RelayPolicyCache.MaxAge). Two one-process nodes: each node's SMTP sessions are decided by its own
/// silo, so each node's cache is what is measured.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterPolicyTests(PostgresFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task RelayListChangedOnOneNode_EveryNodeDecidesByItWithinOneSecond()
    {
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "p" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> Settings() => new()
        {
            ["EmailAI:Storage:Provider"] = "PostgreSql",
            ["EmailAI:Storage:ConnectionString"] = connectionString,
            ["EmailAI:Cluster:ClusterId"] = clusterId,
            ["EmailAI:Cluster:AdvertisedAddress"] = "127.0.0.1",
        };

        await using var nodeA = await ServerProcess.StartNewAsync(Settings());
        await using var nodeB = await ServerProcess.StartNewAsync(Settings());
        ServerProcess[] nodes = [nodeA, nodeB];

        // Both nodes refuse at first: nothing is authorised.
        foreach (var node in nodes)
        {
            Assert.StartsWith("554 5.7.1", await ProbeRelayAsync(node));
        }

        // Authorised through one node, then through the other and back again: each time both nodes follow.
        foreach (var (via, list, expected) in new[]
        {
            (nodeA, "[\"127.0.0.1\"]", "250 "),
            (nodeB, "[]", "554 5.7.1"),
            (nodeB, "[\"127.0.0.%\"]", "250 "),
            (nodeA, "[\"10.0.0.0/8\"]", "554 5.7.1"),
        })
        {
            using (var put = await via.Admin.PutAsync("/api/v1/relay", ServerProcess.Json($$"""{"authorisedIps":{{list}}}""")))
            {
                put.EnsureSuccessStatusCode();
            }

            var changed = Stopwatch.StartNew();
            var lags = await Task.WhenAll(nodes.Select(node => TimeUntilAsync(node, expected, changed)));
            output.WriteLine($"authorisedIps={list} via node {(via == nodeA ? "A" : "B")}: A after {lags[0].TotalMilliseconds:F0} ms, B after {lags[1].TotalMilliseconds:F0} ms");
            foreach (var lag in lags)
            {
                Assert.True(lag <= Bound, $"a node took {lag.TotalMilliseconds:F0} ms to apply the change (bound {Bound.TotalMilliseconds} ms)");
            }

            // And it stays: no node flips back to the old version.
            foreach (var node in nodes)
            {
                for (var i = 0; i < 5; i++)
                {
                    Assert.StartsWith(expected, await ProbeRelayAsync(node));
                }
            }
        }
    }

    /// <summary>Probes until the node answers as expected; the time from the change until then.</summary>
    private static async Task<TimeSpan> TimeUntilAsync(ServerProcess node, string expected, Stopwatch since)
    {
        while (true)
        {
            var reply = await ProbeRelayAsync(node);
            if (reply.StartsWith(expected, StringComparison.Ordinal))
            {
                return since.Elapsed;
            }

            Assert.True(since.Elapsed < TimeSpan.FromSeconds(10), $"still '{reply}' after 10 s");
            await Task.Delay(10);
        }
    }

    /// <summary>One relayed RCPT in a fresh session (refusals count as errors, so sessions are not reused).</summary>
    private static async Task<string> ProbeRelayAsync(ServerProcess node)
    {
        using var client = await SmtpConversation.ConnectAsync(node);
        Assert.StartsWith("250", await client.SendCommandAsync("MAIL FROM:<app@inside.test>"));
        var reply = await client.SendCommandAsync("RCPT TO:<someone@far-away.example>");
        await client.SendCommandAsync("QUIT");
        return reply;
    }
}
