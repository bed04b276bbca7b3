using EmailAI.Protocols.Pop3;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// What the session tells its login observer (which logs and counts logins): a success only once the
/// maildrop is locked, a refusal with why, the user name as the client sent it.
/// </summary>
public sealed class Pop3LoginReportTests
{
    [Fact]
    public async Task Pass_MaildropLockedByAnotherSession_ReportedAsInUseNotAsLogin()
    {
        var harness = new Pop3TestHarness();
        harness.Backend.LockByOtherSession(FakePop3Backend.AliceMailbox);
        harness.Start();

        await harness.SendAsync("USER alice\r\nPASS wonderland\r\n");

        var attempt = Assert.Single(harness.Logins.Attempts);
        Assert.Equal(Pop3LoginOutcome.InUse, attempt.Outcome);
        Assert.Equal("alice", attempt.User);
        Assert.Equal(FakePop3Backend.AliceMailbox, attempt.Mailbox);
        Assert.DoesNotContain(harness.Logins.Attempts, a => a.Outcome == Pop3LoginOutcome.LoggedIn);
    }

    [Fact]
    public async Task Pass_MaildropLocked_ReportedAsLoginWithMailbox()
    {
        var harness = new Pop3TestHarness();
        harness.Start();

        await harness.SendAsync("USER alice\r\nPASS wonderland\r\n");

        var attempt = Assert.Single(harness.Logins.Attempts);
        Assert.Equal(new Pop3LoginAttempt("alice", "USER", System.Net.IPAddress.Parse(Pop3TestHarness.ClientIp), Pop3LoginOutcome.LoggedIn, FakePop3Backend.AliceMailbox), attempt);
    }

    [Theory]
    [InlineData("USER alice\r\nPASS wrong\r\n", "alice", "USER", Pop3LoginOutcome.WrongCredentials)]
    [InlineData("USER nobody\r\nPASS wonderland\r\n", "nobody", "USER", Pop3LoginOutcome.WrongCredentials)]
    [InlineData("AUTH PLAIN AGFsaWNlAHdyb25n\r\n", "alice", "AUTH PLAIN", Pop3LoginOutcome.WrongCredentials)]
    [InlineData("AUTH PLAIN Ym9iAGFsaWNlAHdvbmRlcmxhbmQ=\r\n", "alice", "AUTH PLAIN", Pop3LoginOutcome.WrongCredentials)]
    public async Task Login_Refused_ReportedWithItsReason(string commands, string user, string mechanism, Pop3LoginOutcome outcome)
    {
        var harness = new Pop3TestHarness();
        harness.Start();

        await harness.SendAsync(commands);

        var attempt = Assert.Single(harness.Logins.Attempts);
        Assert.Equal((user, mechanism, outcome), (attempt.User, attempt.Mechanism, attempt.Outcome));
    }

    [Fact]
    public async Task Pass_Throttled_ReportedAsThrottled()
    {
        var harness = new Pop3TestHarness();
        harness.Backend.Throttle("alice");
        harness.Start();

        await harness.SendAsync("USER alice\r\nPASS wonderland\r\n");

        Assert.Equal(Pop3LoginOutcome.Throttled, Assert.Single(harness.Logins.Attempts).Outcome);
    }

    [Fact]
    public async Task User_PlaintextOnInsecureConnection_ReportedAsPlaintextNotAllowedWithTheName()
    {
        var harness = new Pop3TestHarness(secure: false);
        harness.Start();

        await harness.SendLineAsync("USER \u001b[2J\u001b[31mFAKE");

        var attempt = Assert.Single(harness.Logins.Attempts);
        Assert.Equal(Pop3LoginOutcome.PlaintextNotAllowed, attempt.Outcome);
        Assert.Equal("\u001b[2J\u001b[31mFAKE", attempt.User);
    }

    [Fact]
    public async Task Open_Throws_ReportedAsTemporaryFailure()
    {
        var harness = new Pop3TestHarness();
        harness.Backend.OpenThrowsOnNext = 1;
        harness.Start();

        await harness.SendAsync("USER alice\r\nPASS wonderland\r\n");

        Assert.Equal(Pop3LoginOutcome.TemporaryFailure, Assert.Single(harness.Logins.Attempts).Outcome);
    }
}
