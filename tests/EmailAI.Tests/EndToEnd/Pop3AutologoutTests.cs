using System.Diagnostics;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The autologout timer (RFC 1939 §3), shortened to 2 s: an idle session is ended with -ERR, without
/// entering UPDATE, so its DELEs are not carried out; bytes that never complete a command do not keep a
/// session alive.
/// </summary>
public sealed class Pop3AutologoutTests(Pop3AutologoutFixture fixture) : IClassFixture<Pop3AutologoutFixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Autologout_IdleAfterDele_ErrThenCloseAndMessageKept()
    {
        const string alice = "alice@dele.autologout.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("idle@autologout.pop3.test", "idle", "body"), alice);
        var stored = await Pop3Steps.StoredAsync(Server, alice);

        using (var client = await Pop3Steps.LoginAsync(Server, alice))
        {
            Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));
            var idle = Stopwatch.StartNew();

            // Nothing more is sent: the next line is the server's own.
            Assert.StartsWith("-ERR", await client.ReadLineAsync());
            Assert.True(idle.Elapsed >= Pop3AutologoutFixture.Timeout * 0.75, $"logged out after only {idle.Elapsed}");
            Assert.True(await client.IsClosedByServerAsync(Pop3RawClient.ReplyTimeout), "the server did not close after the autologout");
        }

        using (var client = await Pop3Steps.LoginWhenFreeAsync(Server, alice, TimeSpan.FromSeconds(10)))
        {
            Assert.Equal((1, stored[0].Size), await client.StatAsync());
            await client.QuitAsync(0);
        }

        Assert.Equal(stored, await Pop3Steps.StoredAsync(Server, alice));
    }

    [Fact]
    public async Task Autologout_IdleBeforeLogin_ErrThenClose()
    {
        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        Assert.StartsWith("-ERR", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync(Pop3RawClient.ReplyTimeout), "the server did not close after the autologout");
    }

    [Fact]
    public async Task Autologout_BytesTrickledWithoutLineEnd_StillLoggedOut()
    {
        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        var clock = Stopwatch.StartNew();
        var read = client.ReadLineAsync();

        // One byte every 200 ms, never a whole command: only complete commands reset the timer.
        while (!read.IsCompleted)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "a trickle of bytes kept the session alive");
            try
            {
                await client.SendAsync("N"u8.ToArray());
            }
            catch (IOException)
            {
                break;
            }

            await Task.WhenAny(read, Task.Delay(200));
        }

        Assert.StartsWith("-ERR", await read);
    }
}
