using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Postgres;
using static EmailAI.Tests.Location.GeoDatabaseFile;

namespace EmailAI.Tests.Location;

/// <summary>
/// The location policy is cluster-wide like the rest of the relay policy: changed through any node's admin API,
/// it decides the next session on every node (the PUT returns once every node has it). Two one-process nodes
/// on PostgreSQL, each with the same database file, so each node's own silo decides its sessions.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LocationClusterTests(PostgresFixture fixture)
{
    [Fact]
    public async Task BlockedCountriesChangedOnOneNode_NextSessionOnEveryNodeFollows()
    {
        using var database = new GeoDatabaseFile();
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "g" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> Settings() => database.Settings(PostgresFixture.NodeSettings(connectionString, clusterId));

        await using var nodeA = await ServerProcess.StartNewAsync(Settings());
        await using var nodeB = await ServerProcess.StartNewAsync(Settings());
        ServerProcess[] nodes = [nodeA, nodeB];
        await nodeA.ProvisionAsync(LocationFixture.Alice);

        foreach (var (via, blocked, expected) in new[]
        {
            (nodeA, "KP", LocationSteps.BlockedLine),
            (nodeB, null, "250 "),
        })
        {
            await via.PutRelayAsync(LocationSteps.Policy(blockedCountries: blocked is null ? [] : [blocked]));

            foreach (var node in nodes)
            {
                var reply = await node.FirstRcptAsync(NorthKorea, LocationFixture.Alice);
                Assert.StartsWith(expected, reply);
                Assert.StartsWith("250", await node.FirstRcptAsync(Germany, LocationFixture.Alice));
            }
        }
    }
}
