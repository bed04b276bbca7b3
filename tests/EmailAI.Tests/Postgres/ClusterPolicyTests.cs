using System.Diagnostics;
using EmailAI.Tests.EndToEnd;
using Xunit.Abstractions;

namespace EmailAI.Tests.Postgres;

/// <summary>
/// The relay policy is read from a snapshot cached in each silo, so no RCPT waits on the cluster's single
/// relay-policy grain. A change made through the admin API must still be in force on every node within 1 s
/// (RelayPolicySnapshot.PropagationBound), and in a cluster the PUT returns only once it is: the first RCPT
/// after the PUT, on any node, already follows it. Two one-process nodes, so each node's own silo (and cache)
/// decides its sessions.
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
        Dictionary<string, string> Settings() => PostgresFixture.NodeSettings(connectionString, clusterId);

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
            var changed = Stopwatch.StartNew();
            using (var put = await via.Admin.PutAsync("/api/v1/relay", ServerProcess.Json($$"""{"authorisedIps":{{list}}}""")))
            {
                put.EnsureSuccessStatusCode();
            }

            var putTook = changed.Elapsed;
            foreach (var node in nodes)
            {
                Assert.StartsWith(expected, await ProbeRelayAsync(node));
            }

            output.WriteLine($"authorisedIps={list} via node {(via == nodeA ? "A" : "B")}: PUT returned after {putTook.TotalMilliseconds:F0} ms, both nodes followed at once");
            Assert.True(putTook <= Bound + TimeSpan.FromSeconds(2), $"the PUT took {putTook.TotalMilliseconds:F0} ms");

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
