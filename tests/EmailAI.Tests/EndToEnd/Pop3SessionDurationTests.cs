using System.Diagnostics;
using System.Net;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// <c>EmailAI:Pop3:MaxSessionDuration</c> against the real server: the host's read deadline includes it, so a
/// logged-in client that sends nothing is ended once the duration has passed, long before its 10-minute autologout,
/// and without UPDATE: its DELE is not carried out and the maildrop lock comes free.
/// </summary>
public sealed class Pop3SessionDurationTests
{
    [Fact]
    public async Task Session_PastMaxSessionDuration_EndedWithoutUpdateAndLockFreed()
    {
        var duration = TimeSpan.FromSeconds(4);
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Pop3:MaxSessionDuration"] = duration.ToString(),
        });
        const string alice = "alice@duration.limits.test";
        await server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(server, Pop3Steps.Message("one@duration.limits.test", "one", "body"), alice);
        var clock = Stopwatch.StartNew();
        using var client = await Pop3Steps.LoginAsync(server, alice, from: IPAddress.Parse("127.0.0.31"));
        Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));

        // Waiting, not sending: the end of the session comes from the host's read deadline.
        var line = await client.ReadLineAsync();

        Assert.Equal("-ERR [SYS/TEMP] Session time limit reached, closing connection", line);
        Assert.True(clock.Elapsed >= duration * 0.9, $"ended after {clock.Elapsed}");
        Assert.True(await client.IsClosedByServerAsync(Pop3RawClient.ReplyTimeout));
        using var next = await Pop3Steps.LoginWhenFreeAsync(server, alice, TimeSpan.FromSeconds(20));
        Assert.Equal(1, (await next.StatAsync()).Count);
        await next.QuitAsync(0);
        Assert.Contains("(session duration)", await server.WaitForLogAsync("(session duration)"), StringComparison.Ordinal);
    }
}
