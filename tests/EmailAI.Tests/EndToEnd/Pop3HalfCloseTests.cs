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
}
