using System.Text;
using EmailAI.Tests.Delivery;
using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Postgres;
using Npgsql;

namespace EmailAI.Tests.WhiteList;

/// <summary>
/// The white list on the PostgreSQL provider, end to end: learned entries are rows of <c>emailai_whitelist</c>, the
/// bound comes from <c>EmailAI:WhiteList:MaxEntries</c> (evicting with a log line naming the owner), and the list
/// outlives a restart of the node.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WhiteListClusterTests(PostgresFixture fixture)
{
    private const string Owner = "owner@cluster-wl.test";

    [Fact]
    public async Task PostgreSql_RelayedRecipientsPastTheBound_RowsKeptToTheBoundEvictionLoggedListSurvivesRestart()
    {
        await using var sink = await SmtpSink.StartAsync();
        var connectionString = await fixture.NewDatabaseAsync();
        var settings = PostgresFixture.NodeSettings(connectionString, "wl-" + Guid.NewGuid().ToString("N")[..8]);
        settings["EmailAI:ServerDomain"] = "mx.cluster-wl.test";
        settings["EmailAI:Delivery:Routes:*"] = $"127.0.0.1:{sink.Port}";
        settings["EmailAI:WhiteList:MaxEntries"] = "2";
        await using var node = await ServerProcess.StartNewAsync(settings);
        await node.ProvisionAsync(Owner);
        using (var relay = await node.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.1"],"autoWhiteListRecipients":true}""")))
        {
            relay.EnsureSuccessStatusCode();
        }

        using (var client = await SmtpConversation.ConnectAsync(node))
        {
            // Three added at the same moment with a bound of two: the tie goes by address, so a@ leaves.
            Assert.StartsWith("250 2.0.0", await SmtpConversation.TransactAsync(
                client, Owner, ["c@remote.example", "a@remote.example", "b@remote.example"], Encoding.UTF8.GetBytes("Subject: hello\r\n\r\nhi\r\n.\r\n")));
        }

        var log = await node.WaitForLogAsync("evicted 1 entries");
        var line = Assert.Single(log.Split('\n'), l => l.Contains("evicted 1 entries", StringComparison.Ordinal));
        Assert.Contains($"White list of {Owner} is full (2 entries)", line, StringComparison.Ordinal);
        Assert.Equal(["b@remote.example", "c@remote.example"], (await WhiteListAdmin.WaitForListAsync(node, Owner, 2)).Select(e => e.GetProperty("address").GetString()));
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        await using (var count = dataSource.CreateCommand($"SELECT count(*) FROM emailai_whitelist WHERE owner = '{Owner}'"))
        {
            Assert.Equal(2L, await count.ExecuteScalarAsync());
        }

        await node.StopAsync();
        await node.StartAsync();
        Assert.Equal(["b@remote.example", "c@remote.example"], (await WhiteListAdmin.WaitForListAsync(node, Owner, 2)).Select(e => e.GetProperty("address").GetString()));
    }
}
