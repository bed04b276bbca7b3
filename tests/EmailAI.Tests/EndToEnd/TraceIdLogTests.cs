using System.Text;
using System.Text.RegularExpressions;
using EmailAI.Tests.Delivery;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// Log lines of one SMTP transaction carry its trace id and its queue id, and those of one POP3 session the session's
/// trace id, with tracing exported or not: an admin greps a queue id and finds the trace to open (or the other lines).
/// A relayed message's delivery attempts, made later by the silo from the queue, carry the trace id of the transaction
/// that queued it.
/// </summary>
public sealed partial class TraceIdLogTests
{
    [Fact]
    public async Task AcceptedLine_HasTheTransactionsTraceId_Pop3Disconnect_HasTheSessions()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await server.ProvisionAsync("alice@example.com");
        await SmtpConversation.DeliverAsync(server, "a@remote.test", "alice@example.com", "Subject: one\r\n\r\nbody\r\n.\r\n");
        await SmtpConversation.DeliverAsync(server, "a@remote.test", "alice@example.com", "Subject: two\r\n\r\nbody\r\n.\r\n");
        using (var pop3 = await Pop3Steps.LoginWhenFreeAsync(server, "alice@example.com", TimeSpan.FromSeconds(30)))
        {
            await pop3.QuitAsync(0);
        }

        await server.AssertLogSaysAsync("POP3 disconnect");

        var accepted = server.Log.Split('\n').Where(l => l.Contains(": accepted from=", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, accepted.Count);
        var traces = accepted.Select(l => TraceId().Match(l)).ToList();
        Assert.All(traces, m => Assert.True(m.Success, "no TraceId in: " + accepted[0]));
        Assert.NotEqual(traces[0].Groups[1].Value, traces[1].Groups[1].Value);
        Assert.All(accepted, l => Assert.Matches(@"[0-9A-Z]{10,}: accepted from=", l));

        var disconnect = server.Log.Split('\n').Single(l => l.Contains("POP3 disconnect", StringComparison.Ordinal));
        Assert.Matches(TraceId(), disconnect);
    }

    [Fact]
    public async Task RelayedMessage_DeferredThenSentAttempts_CarryTheTransactionsTraceId()
    {
        var refusals = 1;
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = _ => Interlocked.Decrement(ref refusals) >= 0 ? "451 4.7.1 Greylisted, try again later" : null,
        });
        await using var server = await RelayingServer.StartAsync(sink, backoff: "00:00:01");
        var queueId = await RelayingServer.RelayAsync(server, "sender@remote.example", "traced", "far@far.example");

        await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        await server.AssertLogSaysAsync("status=sent");

        var lines = server.Log.Split('\n');
        var accepted = lines.Single(l => l.Contains($"{queueId}: accepted from=", StringComparison.Ordinal));
        var transaction = TraceId().Match(accepted).Groups[1].Value;
        Assert.NotEmpty(transaction);
        var deferred = lines.Single(l => l.Contains($"{queueId}: to=<far@far.example>", StringComparison.Ordinal) && l.Contains("status=deferred", StringComparison.Ordinal));
        var sent = lines.Single(l => l.Contains($"{queueId}: to=<far@far.example>", StringComparison.Ordinal) && l.Contains("status=sent", StringComparison.Ordinal));
        Assert.Equal(transaction, TraceId().Match(deferred).Groups[1].Value);
        Assert.Equal(transaction, TraceId().Match(sent).Groups[1].Value);
    }

    [GeneratedRegex("TraceId:([0-9a-f]{32})")]
    private static partial Regex TraceId();
}
