using System.Diagnostics.Metrics;
using System.Net;
using EmailAI.Gateway;
using EmailAI.Gateway.Pop3;
using EmailAI.Protocols.Pop3;
using Microsoft.Extensions.Logging;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// The gateway's login log (issue 9 §4): a session that verified its password but found the maildrop
/// locked is logged and counted as a refusal, not as a login; hostile user names reach the log escaped.
/// </summary>
public sealed class Pop3LoginLogTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.77");

    [Fact]
    public async Task OnLogin_LockedMaildropThroughSession_LoggedAsRefusedAndCountedAsFailure()
    {
        var logger = new ListLogger();
        var harness = new Pop3TestHarness();
        harness.Backend.LockByOtherSession(FakePop3Backend.AliceMailbox);
        var log = new Pop3LoginLog(logger);
        harness.Start();
        await harness.SendAsync("USER alice\r\nPASS wonderland\r\n");

        var counted = Measure(() => log.OnLogin(Assert.Single(harness.Logins.Attempts)));

        var (level, message) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Equal("POP3 login refused: user=alice from 192.0.2.10 via USER: maildrop locked by another session", message);
        Assert.Equal([("failure", "maildrop locked by another session")], counted);
    }

    [Fact]
    public void OnLogin_Locked_LoggedAsLoginAndCountedAsSuccess()
    {
        var logger = new ListLogger();

        var counted = Measure(() => new Pop3LoginLog(logger).OnLogin(new Pop3LoginAttempt("alice", "APOP", Client, Pop3LoginOutcome.LoggedIn, "alice@example.com")));

        var (level, message) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, level);
        Assert.Equal("POP3 login user=alice from 192.0.2.77 via APOP: maildrop alice@example.com locked", message);
        Assert.Equal([("success", (string?)null)], counted);
    }

    [Theory]
    [InlineData(Pop3LoginOutcome.WrongCredentials, "wrong credentials")]
    [InlineData(Pop3LoginOutcome.PlaintextNotAllowed, "plaintext not allowed on this connection")]
    [InlineData(Pop3LoginOutcome.Throttled, "throttled after too many failures")]
    [InlineData(Pop3LoginOutcome.TemporaryFailure, "temporary failure")]
    public void OnLogin_Refused_LoggedWithReasonAndClientAddress(Pop3LoginOutcome outcome, string reason)
    {
        var logger = new ListLogger();

        var counted = Measure(() => new Pop3LoginLog(logger).OnLogin(new Pop3LoginAttempt("bob", "USER", Client, outcome)));

        Assert.Equal($"POP3 login refused: user=bob from 192.0.2.77 via USER: {reason}", Assert.Single(logger.Entries).Message);
        Assert.Equal([("failure", reason)], counted);
    }

    [Fact]
    public void OnLogin_TerminalEscapesAndNulInUser_LoggedEscaped()
    {
        var logger = new ListLogger();

        new Pop3LoginLog(logger).OnLogin(new Pop3LoginAttempt("\u001b[2J\u001b[31mFAKE\0\r\nPOP3 login user=root", "USER", Client, Pop3LoginOutcome.WrongCredentials));

        var message = Assert.Single(logger.Entries).Message;
        Assert.Equal(@"POP3 login refused: user=\x1B[2J\x1B[31mFAKE\x00\x0D\x0APOP3\x20login\x20user=root from 192.0.2.77 via USER: wrong credentials", message);
        Assert.DoesNotContain(message, c => char.IsControl(c));
        Assert.DoesNotContain("POP3 login user=", message, StringComparison.Ordinal);
    }

    /// <summary>The emailai.pop3.logins measurements that <paramref name="action"/> made on this thread: (result, reason).</summary>
    private static List<(string? Result, string? Reason)> Measure(Action action)
    {
        var thread = Environment.CurrentManagedThreadId;

        // Read first: the instruments are created by GatewayTelemetry's static initialiser.
        var logins = GatewayTelemetry.Pop3Logins;
        var measured = new List<(string?, string?)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, logins))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            if (Environment.CurrentManagedThreadId != thread)
            {
                return;
            }

            string? result = null, reason = null;
            foreach (var tag in tags)
            {
                result = tag.Key == "result" ? tag.Value as string : result;
                reason = tag.Key == "reason" ? tag.Value as string : reason;
            }

            measured.Add((result, reason));
        });
        listener.Start();
        action();
        return measured;
    }
}
