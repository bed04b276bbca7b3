using System.Diagnostics;
using System.Net;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The slot-holding findings of issue 12, reproduced against the real server with raw sockets: a DATA trickle (one
/// octet every 0.5 s, inside the 2 s idle timeout), an endless DATA line sent fast, a NOOP loop and an idle session
/// each held a slot for ever; with all slots held a legitimate sender got only 421. Each is now cut off.
/// </summary>
public sealed class SmtpSlotHoldingTests(SmtpSlotsFixture fixture) : IClassFixture<SmtpSlotsFixture>
{
    private const string Sender = "mallory@remote.test";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private ServerProcess Server => fixture.Server;

    private async Task<RawSmtpClient> InDataAsync(string recipient, IPAddress from, bool provision = true)
    {
        if (provision)
        {
            await Server.ProvisionAsync(recipient);
        }

        var client = await RawSmtpClient.ConnectAsync(Server.SmtpPort, localAddress: from).WaitAsync(SmtpConversation.ReplyTimeout);
        Assert.StartsWith("250", await client.SendCommandAsync("EHLO slots.e2e.test"));
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>"));
        Assert.StartsWith("250", await client.SendCommandAsync($"RCPT TO:<{recipient}>"));
        Assert.StartsWith("354", await client.SendCommandAsync("DATA"));
        return client;
    }

    /// <summary>Sends <paramref name="chunk"/> every <paramref name="every"/> until the server answers (or <see cref="Patience"/> passes); the reply (null: none) and when it came.</summary>
    private static async Task<(string? Reply, TimeSpan After)> TrickleUntilAnsweredAsync(RawSmtpClient client, string chunk, TimeSpan every, TimeSpan? patience = null)
    {
        var clock = Stopwatch.StartNew();
        var reply = client.ReadReplyAsync();
        while (!reply.IsCompleted && clock.Elapsed < (patience ?? Patience))
        {
            try
            {
                await client.SendAsync(chunk);
            }
            catch (IOException)
            {
                // The server closed while we were sending; its 421 is still to be read.
            }

            await Task.WhenAny(reply, Task.Delay(every));
        }

        if (!reply.IsCompleted)
        {
            return (null, clock.Elapsed);
        }

        try
        {
            return (await reply, clock.Elapsed);
        }
        catch (IOException)
        {
            return ("(closed without a reply)", clock.Elapsed);
        }
    }

    [Fact]
    public async Task Data_OneOctetEveryHalfSecond_CutOffWith421AfterAboutTheIdleTimeoutNothingStored()
    {
        const string victim = "tina@trickle.slots.test";
        using var client = await InDataAsync(victim, IPAddress.Parse("127.0.0.21"));

        var (reply, after) = await TrickleUntilAnsweredAsync(client, "x", TimeSpan.FromMilliseconds(500));

        Assert.True(reply is not null, $"still open after {after}: the trickle holds its slot");
        Assert.StartsWith("421 4.4.2", reply);
        Assert.InRange(after, SmtpSlotsFixture.DataIdleTimeout - TimeSpan.FromMilliseconds(500), SmtpSlotsFixture.DataIdleTimeout + TimeSpan.FromSeconds(3));
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "still open after 421");
        Assert.Empty(await SmtpConversation.ReadMaildropAsync(Server, victim));
    }

    [Fact]
    public async Task Data_EndlessLineAtTwentyKilobytesPerSecond_CutOffWith421AtMaxDataDurationNothingStored()
    {
        const string victim = "uwe@endless.slots.test";
        using var client = await InDataAsync(victim, IPAddress.Parse("127.0.0.22"));

        var (reply, after) = await TrickleUntilAnsweredAsync(client, new string('z', 2000), TimeSpan.FromMilliseconds(100));

        Assert.True(reply is not null, $"still open after {after}: the endless line holds its slot");
        Assert.StartsWith("421 4.4.2 Data time limit exceeded", reply);
        Assert.InRange(after, SmtpSlotsFixture.MaxDataDuration - TimeSpan.FromMilliseconds(500), SmtpSlotsFixture.MaxDataDuration + TimeSpan.FromSeconds(3));
        Assert.Empty(await SmtpConversation.ReadMaildropAsync(Server, victim));
    }

    [Fact]
    public async Task Noop_EveryHalfSecond_JunkLimitThenMaxErrorsEndsTheSessionWith421()
    {
        using var client = await RawSmtpClient.ConnectAsync(Server.SmtpPort, localAddress: IPAddress.Parse("127.0.0.23")).WaitAsync(SmtpConversation.ReplyTimeout);
        Assert.StartsWith("250", await client.SendCommandAsync("EHLO slots.e2e.test"));
        var clock = Stopwatch.StartNew();
        var replies = new List<string>();
        while (clock.Elapsed < Patience)
        {
            replies.Add(await client.SendCommandAsync("NOOP"));
            if (!replies[^1].StartsWith("250", StringComparison.Ordinal))
            {
                break;
            }

            if (replies.Count == SmtpSlotsFixture.MaxJunkCommands + SmtpSlotsFixture.MaxErrors)
            {
                // 5 free NOOPs, 3 more that count as errors; the 421 follows the last in the same batch.
                replies.Add(await client.NextReplyAsync());
                break;
            }

            await Task.Delay(500);
        }

        Assert.Equal(SmtpSlotsFixture.MaxJunkCommands + SmtpSlotsFixture.MaxErrors, replies.Count(r => r.StartsWith("250", StringComparison.Ordinal)));
        Assert.StartsWith("421 4.7.0", replies[^1]);
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "still open after 421");
    }

    [Fact]
    public async Task Session_IdlePastMaxSessionDuration_421SessionTimeLimitAndClosed()
    {
        using var client = await RawSmtpClient.ConnectAsync(Server.SmtpPort, localAddress: IPAddress.Parse("127.0.0.24")).WaitAsync(SmtpConversation.ReplyTimeout);
        var clock = Stopwatch.StartNew();

        // The command timeout is 30 s: only the session limit can end this before.
        var reply = await client.ReadReplyAsync().WaitAsync(Patience);

        Assert.StartsWith("421 4.4.2 Session time limit exceeded", reply);
        Assert.InRange(clock.Elapsed, SmtpSlotsFixture.MaxSessionDuration - TimeSpan.FromSeconds(1), SmtpSlotsFixture.MaxSessionDuration + TimeSpan.FromSeconds(3));
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "still open after 421");
    }

    [Fact]
    public async Task Connect_AllSlotsHeldByDataTricklers_LegitimateSenderGetsInOnceTheyAreCutOff()
    {
        const string victim = "vera@legit.slots.test";
        var tricklers = new List<RawSmtpClient>();
        const string held = "hold@hold.slots.test";
        await Server.ProvisionAsync(victim);
        await Server.ProvisionAsync(held);
        var trickling = new List<Task<(string? Reply, TimeSpan After)>>();
        try
        {
            for (var i = 0; i < SmtpSlotsFixture.MaxConnections; i++)
            {
                var trickler = await InDataAsync(held, IPAddress.Parse($"127.0.1.{i + 1}"), provision: false);
                tricklers.Add(trickler);
                // They trickle for longer than the legitimate sender tries, so only a cut-off frees a slot in time.
                trickling.Add(TrickleUntilAnsweredAsync(trickler, "x", TimeSpan.FromMilliseconds(500), Patience * 2));
            }

            var clock = Stopwatch.StartNew();
            var refused = 0;
            string? reply = null;
            while (clock.Elapsed < Patience)
            {
                using var legit = await RawSmtpClient.ConnectAsync(Server.SmtpPort, readGreeting: false, localAddress: IPAddress.Parse("127.0.2.1"));
                var greeting = await legit.NextReplyAsync();
                if (greeting.StartsWith("220", StringComparison.Ordinal))
                {
                    Assert.StartsWith("250", await legit.SendCommandAsync("EHLO legit.e2e.test"));
                    reply = await SmtpConversation.TransactAsync(legit, "alice@remote.test", [victim], "Subject: hello\r\n\r\nmade it\r\n.\r\n"u8.ToArray());
                    break;
                }

                Assert.StartsWith("421", greeting);
                refused++;
                await Task.Delay(250);
            }

            Assert.True(reply is not null, $"refused {refused} times over {clock.Elapsed}: the tricklers hold every slot");
            Assert.StartsWith("250 2.0.0", reply);
            Assert.True(refused > 0, "a slot was free: the test did not hold them all");
            Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, victim));
            foreach (var (cutOff, _) in await Task.WhenAll(trickling))
            {
                Assert.StartsWith("421 4.4.2", cutOff);
            }
        }
        finally
        {
            foreach (var trickler in tricklers)
            {
                trickler.Dispose();
            }
        }
    }
}
