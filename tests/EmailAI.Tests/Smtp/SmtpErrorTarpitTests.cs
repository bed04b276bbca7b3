using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// The error tarpit (<see cref="SmtpOptions.SoftErrorLimit"/>, <see cref="SmtpOptions.ErrorSleepTime"/>,
/// <see cref="SmtpOptions.MaxErrorSleepTime"/>). The finding: RCPT enumeration ran at 20,084 addresses/s from one
/// address. The engine never sleeps: it ends the batch after a delayed reply and the host waits
/// <see cref="SmtpSession.TakeReplyDelay"/> before writing it (the harness advances its fake clock by it).
/// </summary>
public sealed class SmtpErrorTarpitTests
{
    private const string Transaction = "EHLO client.example.net\r\nMAIL FROM:<s@remote.example>\r\n";

    private static string Guesses(int count) =>
        string.Concat(Enumerable.Range(1, count).Select(i => $"RCPT TO:<guess{i}@example.com>\r\n"));

    private static SmtpTestHarness Create(SmtpSessionContext? context = null) => new(o =>
    {
        o.SoftErrorLimit = 2;
        o.ErrorSleepTime = TimeSpan.FromSeconds(1);
        o.MaxErrorSleepTime = TimeSpan.FromSeconds(3);
        o.MaxErrors = 20;
    }, context: context);

    [Fact]
    public async Task Errors_UpToSoftLimitUndelayed_ThenGrowingDelayCapped()
    {
        var harness = Create();
        harness.Start();

        var replies = await harness.SendAsync(Transaction + Guesses(6));

        Assert.All(replies.Skip(2), reply => Assert.Equal(550, reply.Code));
        Assert.Equal(new[] { 1, 2, 3, 3 }.Select(s => TimeSpan.FromSeconds(s)), harness.Delays);
    }

    [Fact]
    public async Task Error_ThatReachesMaxErrors_DelayedToo()
    {
        // Black-box finding: the closing error skipped the tarpit, so a client whose errors were spent reconnected and
        // was refused about 2,500 times a second. It waits as every error past the soft limit does.
        var harness = new SmtpTestHarness(o =>
        {
            o.SoftErrorLimit = 2;
            o.ErrorSleepTime = TimeSpan.FromSeconds(1);
            o.MaxErrorSleepTime = TimeSpan.FromSeconds(3);
            o.MaxErrors = 4;
        });
        harness.Start();

        var replies = await harness.SendAsync(Transaction + Guesses(4));

        Assert.Equal("421 4.7.0", replies[^1].Code + " " + replies[^1].EnhancedCode);
        Assert.True(harness.Session.IsClosed);
        Assert.Equal(new[] { 1, 2 }.Select(s => TimeSpan.FromSeconds(s)), harness.Delays);
    }

    [Fact]
    public async Task Errors_PipelinedPastSoftLimit_OneBatchPerDelayedReply()
    {
        var harness = Create();
        harness.Start();
        await harness.SendAsync(Transaction);
        var before = harness.Reads;

        var replies = await harness.SendAsync(Guesses(5));

        Assert.Equal(5, replies.Count);
        // The first two errors in one batch with the third (delayed, ends the batch), then one batch each.
        Assert.Equal(3, harness.Reads - before);
    }

    [Fact]
    public async Task Replies_NotErrors_NeverDelayedEvenPastSoftLimit()
    {
        var harness = Create();
        harness.Start();
        await harness.SendAsync(Transaction + Guesses(3));
        var delays = harness.Delays.Count;

        await harness.SendAsync("RCPT TO:<alice@example.com>\r\nNOOP\r\n");

        Assert.Equal(delays, harness.Delays.Count);
        Assert.Equal(TimeSpan.Zero, harness.Session.TakeReplyDelay());
    }

    [Fact]
    public async Task Deadline_AfterADelayedReply_CountsFromTheEndOfTheDelay()
    {
        var harness = Create();
        harness.Start();
        await harness.SendAsync(Transaction + Guesses(2));
        await harness.SendAsync(Guesses(1));

        Assert.Equal(harness.Time.GetUtcNow() + harness.Options.CommandTimeout, harness.Session.Deadline);
    }

    [Fact]
    public async Task Standing_PriorErrorsOfTheClientGroup_DelayFromTheFirstError()
    {
        var standing = new FakeClientStanding { PriorErrors = 2 };
        var harness = Create(new SmtpSessionContext(SmtpEndpoint.Mta, TlsAvailable: false, Standing: standing));
        harness.Start();

        await harness.SendAsync(Transaction + Guesses(2));

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], harness.Delays);
        Assert.Equal(2, standing.Recorded);
    }

    [Fact]
    public async Task Refusals_PastSoftLimit_AggregatedForTheLogButNotTheClosingOne()
    {
        var harness = new SmtpTestHarness(o =>
        {
            o.SoftErrorLimit = 2;
            o.ErrorSleepTime = TimeSpan.Zero;
            o.MaxErrors = 5;
        });
        harness.Start();

        await harness.SendAsync(Transaction + Guesses(10));

        Assert.Equal([false, false, true, true, false, false], harness.Events.Rejections.Select(r => r.Aggregated));
        Assert.Equal(421, harness.Events.Rejections[^1].Reply.Code);
        Assert.Empty(harness.Delays);
    }

    [Fact]
    public async Task MessageAccepted_AfterErrorsPastSoftLimit_DelaysStartAgainFromZeroAndTheGroupIsCleared()
    {
        var standing = new FakeClientStanding { PriorErrors = 5 };
        var harness = Create(new SmtpSessionContext(SmtpEndpoint.Mta, TlsAvailable: false, Standing: standing));
        harness.Start();
        await harness.SendAsync(Transaction + Guesses(1));
        Assert.Single(harness.Delays);

        var accepted = await harness.SendAsync("RCPT TO:<alice@example.com>\r\nDATA\r\nSubject: x\r\n\r\nx\r\n.\r\n");
        await harness.SendAsync("MAIL FROM:<s@remote.example>\r\n" + Guesses(3));

        Assert.Equal(250, accepted[^1].Code);
        Assert.Equal(1, standing.Deliveries);
        // Prior errors are gone with the delivery; this session's 3 new ones: 1 and 2 free, the 3rd waits 1 s.
        Assert.Equal([TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1)], harness.Delays);
        Assert.Equal(4, harness.Session.Counts.Errors);
    }

    private sealed class FakeClientStanding : IClientStanding
    {
        public int PriorErrors { get; set; }

        public int Recorded { get; private set; }

        public int Deliveries { get; private set; }

        public void RecordError() => Recorded++;

        public void RecordDelivery()
        {
            Deliveries++;
            PriorErrors = 0;
        }
    }
}
