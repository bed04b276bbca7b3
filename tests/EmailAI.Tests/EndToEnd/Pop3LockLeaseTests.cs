using System.Diagnostics;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The maildrop lock is a lease (<c>EmailAI:Pop3:LockLease</c>, here 3 s) that the gateway renews while the
/// session lives: a session idle for longer than several leases keeps its maildrop and can still commit.
/// </summary>
public sealed class Pop3LockLeaseTests
{
    [Fact]
    public async Task Lock_IdleSessionOutlivesTwoLeases_OthersStayRefusedAndQuitCommits()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string> { ["EmailAI:Pop3:LockLease"] = "00:00:03" });
        const string alice = "alice@lease.pop3.test";
        await server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(server, Pop3Steps.Message("lease@lease.pop3.test", "lease", "body"), alice);

        using var holder = await Pop3Steps.LoginAsync(server, alice);
        var clock = Stopwatch.StartNew();
        var attempts = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(7))
        {
            using var other = await Pop3RawClient.ConnectAsync(server.Pop3Port);
            Assert.StartsWith("-ERR [IN-USE]", await other.TryLoginAsync(alice, Pop3Steps.Password));
            attempts++;
            await Task.Delay(250);
        }

        Assert.True(attempts > 5, $"only {attempts} attempts in {clock.Elapsed}");
        Assert.StartsWith("+OK", await holder.CommandAsync("DELE 1"));
        await holder.QuitAsync(1);
        Assert.Empty(await Pop3Steps.StoredAsync(server, alice));
    }
}
