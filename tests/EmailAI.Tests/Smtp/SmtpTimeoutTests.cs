namespace EmailAI.Tests.Smtp;

/// <summary>
/// Deadlines on a fake clock: the command timeout runs from the last reply and trickled bytes do not extend
/// it (slow-loris); the data timeout is an idle timeout that every read of message text restarts.
/// </summary>
public sealed class SmtpTimeoutTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private static SmtpTestHarness Create() => new(o =>
    {
        o.CommandTimeout = TimeSpan.FromMinutes(5);
        o.DataIdleTimeout = TimeSpan.FromMinutes(3);
        // The plain idle timeout: with MinDataRate (SmtpDataRateTests) each read no longer restarts it in full.
        o.MinDataRate = 0;
    });

    [Fact]
    public void CheckTimeout_BeforeCommandTimeout_ReturnsNullAndStaysOpen()
    {
        var harness = Create();
        harness.Start();
        Assert.Equal(SmtpTestHarness.StartTime + TimeSpan.FromMinutes(5), harness.Session.Deadline);

        harness.Time.Advance(TimeSpan.FromMinutes(5) - Tick);

        Assert.Null(harness.CheckTimeout());
        Assert.False(harness.Session.IsClosed);
    }

    [Fact]
    public async Task CheckTimeout_AfterCommandTimeout_Returns421AndClosesAndIgnoresInput()
    {
        var harness = Create();
        harness.Start();
        harness.Time.Advance(TimeSpan.FromMinutes(5));

        var reply = harness.CheckTimeout();

        Assert.NotNull(reply);
        Assert.Equal("421 4.4.2 Timeout exceeded, closing connection\r\n", reply.ToString());
        Assert.True(harness.Session.IsClosed);
        Assert.Null(harness.CheckTimeout());
        Assert.Empty(await harness.SendAsync("EHLO client.example.net\r\n"));
    }

    [Fact]
    public async Task CommandDeadline_RestartsAtEachReply()
    {
        var harness = Create();
        harness.Start();
        harness.Time.Advance(TimeSpan.FromMinutes(4));
        await harness.SendAsync("EHLO client.example.net\r\n");

        harness.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Null(harness.CheckTimeout());
        harness.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(421, harness.CheckTimeout()?.Code);
    }

    [Fact]
    public async Task CommandDeadline_TrickledBytesWithoutLineEnd_DoNotExtendIt()
    {
        var harness = Create();
        harness.Start();
        await harness.SendAsync("EHLO client.example.net\r\n");
        var deadline = harness.Session.Deadline;
        foreach (var piece in new[] { "MA", "IL FR", "OM:<sender@", "remote.example>" })
        {
            harness.Time.Advance(TimeSpan.FromMinutes(1));
            Assert.Empty(await harness.SendAsync(piece));
            Assert.Null(harness.CheckTimeout());
        }

        harness.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(deadline, harness.Session.Deadline);
        Assert.Equal(421, harness.CheckTimeout()?.Code);
        Assert.True(harness.Session.IsClosed);
        Assert.Empty(await harness.SendAsync("\r\n"));
    }

    [Fact]
    public async Task DataDeadline_EachReadOfMessageText_ExtendsIt()
    {
        var harness = Create();
        harness.Start();
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n");
        Assert.True(harness.Session.InData);

        // Past the 5-minute command deadline, but never 3 minutes without data.
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        await harness.SendAsync("Subject: slow\r\n");
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        await harness.SendAsync("\r\npart");
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        await harness.SendAsync("ial line");
        harness.Time.Advance(TimeSpan.FromMinutes(3) - Tick);
        Assert.Null(harness.CheckTimeout());

        var replies = await harness.SendAsync("\r\n.\r\n");

        Assert.Equal(250, Assert.Single(replies).Code);
        var (_, content) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("Subject: slow\r\n\r\npartial line\r\n"u8.ToArray(), SmtpTestHarness.SplitTrace(content).Message);
    }

    [Fact]
    public async Task DataDeadline_IdleForDataTimeout_Returns421AndDropsPartialMessage()
    {
        var harness = Create();
        harness.Start();
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: abandoned\r\n");
        harness.Time.Advance(TimeSpan.FromMinutes(3) - Tick);
        Assert.Null(harness.CheckTimeout());
        harness.Time.Advance(Tick);

        var reply = harness.CheckTimeout();

        Assert.Equal((421, "4.4.2"), (reply?.Code, reply?.EnhancedCode));
        Assert.True(harness.Session.IsClosed);
        Assert.Empty(await harness.SendAsync("body\r\n.\r\n"));
        Assert.Equal(0, harness.Sink.Attempts);
    }
}
