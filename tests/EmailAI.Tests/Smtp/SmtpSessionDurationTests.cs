using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary><see cref="SmtpOptions.MaxSessionDuration"/>: checked at command boundaries and in the host's deadline; a message in DATA may finish.</summary>
public sealed class SmtpSessionDurationTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    private static SmtpTestHarness Create() => new(o =>
    {
        o.MaxSessionDuration = Limit;
        o.CommandTimeout = TimeSpan.FromMinutes(5);
        o.MaxJunkCommands = 1000;
    });

    [Fact]
    public async Task Command_JustBeforeTheLimit_Answered()
    {
        var harness = Create();
        harness.Start();
        harness.Time.Advance(TimeSpan.FromMinutes(4));
        await harness.SendLineAsync("EHLO client.example.net");
        harness.Time.Advance(TimeSpan.FromMinutes(4));
        await harness.SendLineAsync("NOOP");
        harness.Time.Advance(TimeSpan.FromMinutes(2) - Tick);

        var replies = await harness.SendLineAsync("NOOP");

        Assert.Equal(250, Assert.Single(replies).Code);
        Assert.False(harness.Session.IsClosed);
    }

    [Fact]
    public async Task Command_AtTheLimit_421SessionTimeLimitAndClosed()
    {
        var harness = Create();
        harness.Start();
        for (var i = 0; i < 4; i++)
        {
            harness.Time.Advance(TimeSpan.FromMinutes(2));
            Assert.Equal(250, (await harness.SendLineAsync(i == 0 ? "EHLO client.example.net" : "NOOP"))[0].Code);
        }

        harness.Time.Advance(TimeSpan.FromMinutes(2));
        var replies = await harness.SendAsync("NOOP\r\nNOOP\r\n");

        Assert.Equal("421 4.4.2 Session time limit exceeded, closing connection\r\n", Assert.Single(replies).ToString());
        Assert.True(harness.Session.IsClosed);
        Assert.Equal(SmtpSessionLimit.MaxSessionDuration, harness.Session.EndedBy);
        Assert.Equal("421 4.4.2", $"{harness.Events.Rejections[^1].Reply.Code} {harness.Events.Rejections[^1].Reply.EnhancedCode}");
    }

    [Fact]
    public async Task Deadline_CommandTimeoutWouldPassTheLimit_IsTheLimit()
    {
        var harness = Create();
        harness.Start();
        harness.Time.Advance(TimeSpan.FromMinutes(8));
        await harness.SendLineAsync("EHLO client.example.net");

        Assert.Equal(SmtpTestHarness.StartTime + Limit, harness.Session.Deadline);
        harness.Time.Advance(TimeSpan.FromMinutes(2) - Tick);
        Assert.Null(harness.CheckTimeout());
        harness.Time.Advance(Tick);
        Assert.Equal(SmtpReplies.SessionTimeLimit, harness.CheckTimeout());
        Assert.Equal(SmtpSessionLimit.MaxSessionDuration, harness.Session.EndedBy);
    }

    [Fact]
    public async Task Data_InProgressAtTheLimit_MessageFinishesThenNextCommand421()
    {
        var harness = Create();
        harness.Start();
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: late\r\n");
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        var replies = await harness.SendAsync("\r\nbody\r\n.\r\nNOOP\r\n");

        Assert.Equal([250, 421], replies.Select(reply => reply.Code));
        Assert.Single(harness.Sink.Deliveries);
        Assert.Equal(SmtpReplies.SessionTimeLimit, replies[^1]);
    }
}
