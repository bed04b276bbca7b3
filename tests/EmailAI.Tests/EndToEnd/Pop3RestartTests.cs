namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// UIDL across process lifetimes (RFC 1939 §7: a unique-id is the same in every session and never given to
/// another message): after a graceful restart and after kill -9, every message keeps its uid and content,
/// and a message delivered later never gets the uid of one deleted before.
/// </summary>
public sealed class Pop3RestartTests
{
    private const string Alice = "alice@restart.pop3.test";

    [Fact]
    public async Task Uidl_AfterGracefulRestart_SameUidsAndContentNoUidReused()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await RestartAndCompareAsync(server, async () =>
        {
            await server.StopAsync();
            await server.StartAsync();
        });
    }

    [Fact]
    public async Task Uidl_AfterKillDashNine_SameUidsAndContentNoUidReused()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await RestartAndCompareAsync(server, async () =>
        {
            server.Kill();
            await server.StartAsync();
        });
    }

    [Fact]
    public async Task Stop_DuringSessionAfterDele_SessionGetsErrAndNothingDeleted()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await server.ProvisionAsync(Alice);
        await Pop3Steps.DeliverAsync(server, Pop3Steps.Message("stop@restart.pop3.test", "stop", "body"), Alice);
        var stored = await Pop3Steps.StoredAsync(server, Alice);

        using (var client = await Pop3Steps.LoginAsync(server, Alice))
        {
            Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));
            var stop = server.StopAsync();
            Assert.StartsWith("-ERR [SYS/TEMP]", await client.ReadLineAsync());
            await stop;
        }

        await server.StartAsync();
        using (var client = await Pop3Steps.LoginAsync(server, Alice))
        {
            Assert.Equal((1, stored[0].Size), await client.StatAsync());
            await client.QuitAsync(0);
        }
    }

    private static async Task RestartAndCompareAsync(ServerProcess server, Func<Task> restart)
    {
        await server.ProvisionAsync(Alice);
        for (var i = 0; i < 4; i++)
        {
            await Pop3Steps.DeliverAsync(server, Pop3Steps.Message($"r{i}@restart.pop3.test", "restart " + i, "body " + i), Alice);
        }

        // The newest message is deleted, so a store that hands out max(uid)+1 would reuse its uid.
        List<(int Number, string Value)> uids;
        var contents = new List<byte[]>();
        using (var client = await Pop3Steps.LoginAsync(server, Alice))
        {
            uids = await client.ListingAsync("UIDL");
            for (var n = 1; n <= 3; n++)
            {
                var (status, wire) = await client.MultiLineCommandAsync($"RETR {n}");
                Assert.StartsWith("+OK", status);
                contents.Add(Pop3RawClient.Unstuff(wire));
            }

            Assert.StartsWith("+OK", await client.CommandAsync("DELE 4"));
            await client.QuitAsync(1);
        }

        Assert.Equal(4, uids.Count);
        await restart();

        using (var client = await Pop3Steps.LoginAsync(server, Alice))
        {
            Assert.Equal(uids.Take(3), await client.ListingAsync("UIDL"));
            for (var n = 1; n <= 3; n++)
            {
                var (status, wire) = await client.MultiLineCommandAsync($"RETR {n}");
                Assert.StartsWith("+OK", status);
                Assert.Equal(contents[n - 1], Pop3RawClient.Unstuff(wire));
            }

            await client.QuitAsync(0);
        }

        await Pop3Steps.DeliverAsync(server, Pop3Steps.Message("after@restart.pop3.test", "after restart", "body"), Alice);
        using (var client = await Pop3Steps.LoginAsync(server, Alice))
        {
            var after = await client.ListingAsync("UIDL");
            Assert.Equal(4, after.Count);
            Assert.Equal(uids.Take(3), after.Take(3));
            Assert.DoesNotContain(after[3].Value, uids.Select(u => u.Value));
            await client.QuitAsync(0);
        }
    }
}
