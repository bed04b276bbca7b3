using EmailAI.Protocols.Pop3;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// Autologout on a fake clock (RFC 1939 §3: at least 10 minutes of inactivity): each command restarts it,
/// a partial line does not, and an autologout never enters UPDATE, so nothing marked is deleted.
/// </summary>
public sealed class Pop3TimeoutTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private static readonly TimeSpan TenMinutes = TimeSpan.FromMinutes(10);

    [Fact]
    public void CheckTimeout_JustBeforeTenMinutes_ReturnsNullAndStaysOpen()
    {
        var harness = new Pop3TestHarness();
        harness.Start();
        Assert.Equal(Pop3TestHarness.StartTime + TenMinutes, harness.Session.Deadline);

        harness.Time.Advance(TenMinutes - Tick);

        Assert.Null(harness.CheckTimeout());
        Assert.False(harness.Session.IsClosed);
    }

    [Fact]
    public async Task CheckTimeout_AtTenMinutes_ReturnsAutologoutLineClosesAndIgnoresInput()
    {
        var harness = new Pop3TestHarness();
        harness.Start();
        harness.Time.Advance(TenMinutes);

        Assert.Equal("-ERR Disconnected for inactivity", harness.CheckTimeout());
        Assert.True(harness.Session.IsClosed);
        Assert.Null(harness.CheckTimeout());
        Assert.Equal("", await harness.SendAsync("CAPA\r\nUSER alice\r\nPASS wonderland\r\n"));
        Assert.Empty(harness.Backend.AuthenticateCalls);
    }

    [Fact]
    public async Task Deadline_EachCommand_RestartsTheTenMinutes()
    {
        var harness = new Pop3TestHarness();
        harness.Start();
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        await harness.SendLineAsync("USER alice");
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        await harness.SendLineAsync("PASS wonderland");
        Assert.Equal(Pop3TestHarness.StartTime + TimeSpan.FromMinutes(28), harness.Session.Deadline);
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        await harness.SendLineAsync("NOOP");

        harness.Time.Advance(TenMinutes - Tick);
        Assert.Null(harness.CheckTimeout());
        harness.Time.Advance(Tick);

        Assert.Equal("-ERR Disconnected for inactivity", harness.CheckTimeout());
    }

    [Fact]
    public async Task Deadline_TrickledBytesWithoutLineEnd_DoNotExtendIt()
    {
        var harness = new Pop3TestHarness();
        harness.Start();
        var deadline = harness.Session.Deadline;
        foreach (var piece in new[] { "CA", "P", "A" })
        {
            harness.Time.Advance(TimeSpan.FromMinutes(3));
            Assert.Equal("", await harness.SendAsync(piece));
            Assert.Null(harness.CheckTimeout());
        }

        harness.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(deadline, harness.Session.Deadline);
        Assert.Equal("-ERR Disconnected for inactivity", harness.CheckTimeout());
        Assert.Equal("", await harness.SendAsync("\r\n"));
    }

    [Fact]
    public async Task Autologout_InTransactionWithMarkedMessages_NeverCommitsEvenIfQuitFollows()
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        harness.Start();
        Assert.Equal("+OK send PASS\r\n+OK maildrop locked and ready\r\n+OK message 1 deleted\r\n", await harness.SendAsync("USER alice\r\nPASS wonderland\r\nDELE 1\r\n"));
        harness.Time.Advance(TenMinutes);

        Assert.Equal("-ERR Disconnected for inactivity", harness.CheckTimeout());
        Assert.Equal("", await harness.SendAsync("QUIT\r\n"));

        Assert.Empty(harness.Backend.CommitCalls);
        Assert.Equal([101L, 102L, 205L], harness.Backend.StoredUids(FakePop3Backend.AliceMailbox));
        Assert.Equal(Pop3State.Transaction, harness.Session.State);

        // The host releases the lock of this maildrop without deleting.
        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
    }

    [Fact]
    public void CheckTimeout_ConfiguredAutologout_UsedInsteadOfTenMinutes()
    {
        var harness = new Pop3TestHarness(o => o.AutologoutTimeout = TimeSpan.FromMinutes(30));
        harness.Start();

        harness.Time.Advance(TimeSpan.FromMinutes(30) - Tick);
        Assert.Null(harness.CheckTimeout());
        harness.Time.Advance(Tick);

        Assert.Equal("-ERR Disconnected for inactivity", harness.CheckTimeout());
    }

    [Fact]
    public async Task RestartAutologout_AfterAResponseTookFifteenMinutesToSend_TenMinutesFromThenNotLoggedOutAtOnce()
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        harness.Start();
        await harness.SendAsync("USER alice\r\nPASS wonderland\r\nRETR 1\r\n");

        // The host spent 15 minutes writing the RETR to a slow reader, then says so.
        harness.Time.Advance(TimeSpan.FromMinutes(15));
        harness.Session.RestartAutologout();

        Assert.Equal(harness.Time.GetUtcNow() + TenMinutes, harness.Session.Deadline);
        Assert.Null(harness.CheckTimeout());
        harness.Time.Advance(TenMinutes);
        Assert.Equal("-ERR Disconnected for inactivity", harness.CheckTimeout());
    }

    [Fact]
    public void RestartAutologout_AfterClose_DoesNotReopen()
    {
        var harness = new Pop3TestHarness();
        harness.Start();
        harness.Time.Advance(TenMinutes);
        Assert.NotNull(harness.CheckTimeout());
        var deadline = harness.Session.Deadline;

        harness.Time.Advance(TimeSpan.FromMinutes(1));
        harness.Session.RestartAutologout();

        Assert.Equal(deadline, harness.Session.Deadline);
        Assert.True(harness.Session.IsClosed);
    }
}
