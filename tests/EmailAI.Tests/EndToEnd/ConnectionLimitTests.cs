namespace EmailAI.Tests.EndToEnd;

public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Connect_OverPerClientLimit_421AndClosedOthersUnaffected()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Smtp:MaxConnectionsPerClient"] = "2",
            // The test connects from loopback, which is exempt by default.
            ["EmailAI:Smtp:ExemptLoopback"] = "false",
        });
        using var first = await RawSmtpClient.ConnectAsync(server.SmtpPort);
        using var second = await RawSmtpClient.ConnectAsync(server.SmtpPort);

        using (var third = await RawSmtpClient.ConnectAsync(server.SmtpPort, readGreeting: false))
        {
            Assert.StartsWith("421 4.7.0", await third.ReadReplyAsync());
            Assert.True(await third.IsClosedByServerAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.StartsWith("250", await first.CommandAsync("NOOP"));
        Assert.StartsWith("250", await second.CommandAsync("NOOP"));

        // A closed connection frees its slot.
        Assert.StartsWith("221", await first.CommandAsync("QUIT"));
        Assert.True(await first.IsClosedByServerAsync(TimeSpan.FromSeconds(10)));
        await WaitUntilAcceptedAsync(server.SmtpPort);
    }

    private static async Task WaitUntilAcceptedAsync(int port)
    {
        // The slot is released when the server finishes the session, a moment after the client sees EOF.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var client = await RawSmtpClient.ConnectAsync(port, readGreeting: false);
            var reply = await client.ReadReplyAsync();
            if (reply.StartsWith("220", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the freed slot was never reused: " + reply);
            await Task.Delay(50);
        }
    }
}
