using System.Text;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// <see cref="SmtpOptions.MinDataRate"/> and <see cref="SmtpOptions.MaxDataDuration"/> on a fake clock. The finding
/// they fix: a client sending one octet every 5 s inside DATA stayed open for ever with a 10 s idle timeout (it held
/// all 1,000 slots from 20 addresses), and so did an endless line sent fast.
/// </summary>
public sealed class SmtpDataRateTests
{
    private const string Open = "EHLO client.example.net\r\nMAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n";
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);

    private static async Task<SmtpTestHarness> InDataAsync(Action<SmtpOptions>? configure = null)
    {
        var harness = new SmtpTestHarness(o =>
        {
            o.DataIdleTimeout = Idle;
            o.MinDataRate = 500;
            configure?.Invoke(o);
        });
        harness.Start();
        var replies = await harness.SendAsync(Open);
        Assert.Equal(354, replies[^1].Code);
        return harness;
    }

    /// <summary>Sends <paramref name="octets"/> of body every <paramref name="every"/> until the session times out or <paramref name="until"/> passed; returns when it timed out (null: never).</summary>
    private static async Task<TimeSpan?> TrickleAsync(SmtpTestHarness harness, int octets, TimeSpan every, TimeSpan until)
    {
        var started = harness.Time.GetUtcNow();
        var chunk = new string('x', octets);
        while (harness.Time.GetUtcNow() - started < until)
        {
            var wait = harness.Session.Deadline - harness.Time.GetUtcNow();
            if (wait <= every)
            {
                // The host's wait for input reaches the deadline before the next chunk arrives.
                harness.Time.Advance(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                var reply = harness.CheckTimeout();
                Assert.NotNull(reply);
                return harness.Time.GetUtcNow() - started;
            }

            harness.Time.Advance(every);
            Assert.Empty(await harness.SendAsync(chunk));
        }

        return null;
    }

    [Fact]
    public async Task Data_OneOctetEveryFiveSecondsWithTenSecondIdleTimeout_CutOffAfterAboutTenSecondsWith421NothingStored()
    {
        var harness = await InDataAsync();

        var cutOff = await TrickleAsync(harness, 1, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));

        Assert.NotNull(cutOff);
        Assert.InRange(cutOff.Value, Idle, Idle + TimeSpan.FromSeconds(1));
        Assert.Equal("421 4.4.2 Timeout exceeded, closing connection\r\n", harness.Replies[^1].ToString());
        Assert.True(harness.Session.IsClosed);
        Assert.Equal(SmtpSessionLimit.MinDataRate, harness.Session.EndedBy);
        Assert.Empty(await harness.SendAsync("\r\n.\r\n"));
        Assert.Equal(0, harness.Sink.Attempts);
        Assert.Contains("MinDataRate", harness.Events.Rejections[^1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_ExactlyAtMinDataRateForTenIdleTimeouts_NotCutOffAndStored()
    {
        var harness = await InDataAsync();

        var cutOff = await TrickleAsync(harness, 500, TimeSpan.FromSeconds(1), Idle * 10);
        var replies = await harness.SendAsync("\r\n.\r\n");

        Assert.Null(cutOff);
        Assert.Equal(250, Assert.Single(replies).Code);
        Assert.Single(harness.Sink.Deliveries);
    }

    [Fact]
    public async Task Data_HalfTheMinDataRate_CutOffOnceTheBudgetIsSpent()
    {
        // 250 octets each second earn back half a second: the 10 s budget lasts 20 s.
        var harness = await InDataAsync();

        var cutOff = await TrickleAsync(harness, 250, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

        Assert.NotNull(cutOff);
        Assert.InRange(cutOff.Value, TimeSpan.FromSeconds(19), TimeSpan.FromSeconds(21));
        Assert.Equal(421, harness.Replies[^1].Code);
    }

    [Fact]
    public async Task Data_BigBurstThenSilence_EarnsNoMoreThanTheIdleTimeout()
    {
        var harness = await InDataAsync();
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await harness.SendAsync(new string('x', 998) + "\r\n" + string.Concat(Enumerable.Repeat(new string('y', 998) + "\r\n", 500)));
        var burstAt = harness.Time.GetUtcNow();

        Assert.Equal(burstAt + Idle, harness.Session.Deadline);
        harness.Time.Advance(Idle - Tick);
        Assert.Null(harness.CheckTimeout());
        harness.Time.Advance(Tick);
        Assert.Equal(421, harness.CheckTimeout()?.Code);
        Assert.Equal(SmtpSessionLimit.DataIdleTimeout, harness.Session.EndedBy);
    }

    [Fact]
    public async Task Data_RateOff_OneOctetJustInsideTheIdleTimeoutKeepsItOpen()
    {
        var harness = await InDataAsync(o => o.MinDataRate = 0);

        var cutOff = await TrickleAsync(harness, 1, Idle - Tick, TimeSpan.FromMinutes(10));

        Assert.Null(cutOff);
        Assert.False(harness.Session.IsClosed);
    }

    [Fact]
    public async Task Data_BytesArrivingAfterTheBudgetIsSpent_421NotStored()
    {
        // The host's wait and the bytes can race: bytes seen after the deadline are too late.
        var harness = await InDataAsync();
        harness.Time.Advance(Idle);

        var replies = await harness.SendAsync("Subject: late\r\n\r\nbody\r\n.\r\n");

        Assert.Equal(421, Assert.Single(replies).Code);
        Assert.True(harness.Session.IsClosed);
        Assert.Equal(0, harness.Sink.Attempts);
    }

    [Fact]
    public async Task Data_EndlessLineFastEnoughForTheRate_CutOffAtMaxDataDurationWith421NothingStored()
    {
        var harness = await InDataAsync(o => o.MaxDataDuration = TimeSpan.FromMinutes(2));
        var started = harness.Time.GetUtcNow();
        var chunk = new string('z', 1000);
        IReadOnlyList<SmtpReply> replies = [];
        while (replies.Count == 0 && harness.Time.GetUtcNow() - started < TimeSpan.FromMinutes(10))
        {
            harness.Time.Advance(TimeSpan.FromSeconds(1));
            replies = await harness.SendAsync(chunk);
        }

        Assert.Equal(TimeSpan.FromMinutes(2), harness.Time.GetUtcNow() - started);
        Assert.Equal("421 4.4.2 Data time limit exceeded, closing connection\r\n", Assert.Single(replies).ToString());
        Assert.True(harness.Session.IsClosed);
        Assert.Equal(SmtpSessionLimit.MaxDataDuration, harness.Session.EndedBy);
        Assert.Equal(0, harness.Sink.Attempts);
    }

    [Fact]
    public async Task Data_FinalDotJustBeforeMaxDataDuration_Stored()
    {
        var harness = await InDataAsync(o => o.MaxDataDuration = TimeSpan.FromSeconds(30));
        for (var i = 0; i < 29; i++)
        {
            harness.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Empty(await harness.SendAsync(new string('z', 998) + "\r\n"));
        }

        harness.Time.Advance(TimeSpan.FromSeconds(1) - Tick);
        var replies = await harness.SendAsync(".\r\n");

        Assert.Equal(250, Assert.Single(replies).Code);
        Assert.Single(harness.Sink.Deliveries);
    }

    [Fact]
    public async Task Data_SilentUntilMaxDataDuration_DeadlineIsItAnd421()
    {
        var harness = await InDataAsync(o =>
        {
            o.DataIdleTimeout = TimeSpan.FromMinutes(5);
            o.MaxDataDuration = TimeSpan.FromMinutes(1);
        });
        var started = harness.Time.GetUtcNow();

        Assert.Equal(started + TimeSpan.FromMinutes(1), harness.Session.Deadline);
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(SmtpReplies.DataTimeLimit, harness.CheckTimeout());
    }

    [Theory, ChunkSizes]
    public async Task Data_AtTheRateInAnyChunking_SameMessageStored(int chunkSize)
    {
        var harness = await InDataAsync();
        var body = Encoding.ASCII.GetBytes("Subject: chunks\r\n\r\n" + string.Concat(Enumerable.Repeat("line of text\r\n", 40)) + ".\r\n");
        IReadOnlyList<SmtpReply> replies = [];
        var size = chunkSize == 0 ? body.Length : chunkSize;
        for (var offset = 0; offset < body.Length; offset += size)
        {
            // Each chunk arrives exactly as fast as the rate asks.
            var length = Math.Min(size, body.Length - offset);
            harness.Time.Advance(TimeSpan.FromSeconds(length / 500.0));
            replies = await harness.SendAsync(body.AsMemory(offset, length));
        }

        Assert.Equal(250, Assert.Single(replies).Code);
        Assert.False(harness.Session.IsClosed);
    }
}
