namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// A client that sends its whole conversation and QUIT, then half-closes (shutdown(SHUT_WR), as <c>nc -N</c>
/// does) gets every response, and its QUIT's UPDATE commits (issue 9 §2): the FIN must not cancel the
/// commands already received. Repeated with the shutdown right after the data and a little later.
/// </summary>
public sealed class Pop3HalfCloseTests(Pop3Fixture fixture) : IClassFixture<Pop3Fixture>
{
    private const int Rounds = 30;

    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Quit_ThenShutdownSend_AllResponsesAndDeleCommittedEveryTime()
    {
        const string alice = "alice@halfclose.pop3.test";
        await Server.ProvisionAsync(alice);
        for (var i = 0; i < Rounds; i++)
        {
            await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message($"m{i}@halfclose.pop3.test", $"round {i}", "body"), alice);
        }

        for (var round = 0; round < Rounds; round++)
        {
            using var client = await Pop3SlowReader.ConnectAsync(Server.Pop3Port, receiveBufferSize: 64 * 1024);
            await client.SendAsync($"USER {alice}\r\nPASS {Pop3Steps.Password}\r\nDELE 1\r\nQUIT\r\n");
            if (round % 3 > 0)
            {
                await Task.Delay(round % 3);
            }

            client.HalfClose();
            var wire = await client.ReadToCloseAsync(Pop3RawClient.ReplyTimeout);

            var lines = wire.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 5, $"round {round}: {wire}");
            Assert.StartsWith("+OK", lines[0]);
            Assert.Equal(["+OK send PASS", "+OK maildrop locked and ready", "+OK message 1 deleted"], lines[1..4]);
            Assert.EndsWith("(1 messages deleted)", lines[4]);
            Assert.Equal(Rounds - round - 1, (await Pop3Steps.StoredAsync(Server, alice)).Count);
        }
    }

    [Fact]
    public async Task PartialQuit_ThenShutdownSend_ResponsesToCompleteLinesOnlyAndNothingDeleted()
    {
        const string bob = "bob@halfclose.pop3.test";
        await Server.ProvisionAsync(bob);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("partial@halfclose.pop3.test", "partial", "body"), bob);
        var stored = await Pop3Steps.StoredAsync(Server, bob);

        using (var client = await Pop3SlowReader.ConnectAsync(Server.Pop3Port, receiveBufferSize: 64 * 1024))
        {
            await client.SendAsync($"USER {bob}\r\nPASS {Pop3Steps.Password}\r\nDELE 1\r\nQUI");
            client.HalfClose();
            var lines = (await client.ReadToCloseAsync(Pop3RawClient.ReplyTimeout)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

            Assert.Equal(["+OK send PASS", "+OK maildrop locked and ready", "+OK message 1 deleted"], lines[1..]);
        }

        // The connection ended without QUIT: the lock is released and nothing is deleted (RFC 1939 §6).
        using var next = await Pop3Steps.LoginWhenFreeAsync(Server, bob, TimeSpan.FromSeconds(10));
        Assert.Equal((1, stored[0].Size), await next.StatAsync());
        await next.QuitAsync(0);
        Assert.Equal(stored, await Pop3Steps.StoredAsync(Server, bob));
    }
}
