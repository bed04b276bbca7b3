using DnsClient;
using EmailAI.Contracts;
using EmailAI.Grains.Delivery;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Delivery;
using EmailAI.Tests.Outbound;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Callout;

/// <summary>
/// <see cref="RecipientCallout"/> against <see cref="SmtpSink"/> (which counts the connections it accepts and answers
/// RCPT through a hook) and, for connections that die between callouts, a <see cref="ScriptedPeer"/>. Time is a
/// <see cref="FakeTimeProvider"/>: timeouts, cache lifetimes and idle connections move only when a test says so.
/// </summary>
public sealed class RecipientCalloutTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan CalloutTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));

    // ── Answers ─────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Verify_InternalServerAccepts_Returns250AndSendsNoMessage()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var callout = NewCallout();

        var reply = await VerifyAsync(callout, sink.Port, "alice@fwd.test");

        Assert.Equal(250, reply.Code);
        Assert.Empty(sink.Messages);
        Assert.Empty(sink.SessionErrors);
    }

    [Fact]
    public async Task Verify_InternalServerRefuses_ReturnsItsPermanentReply()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = _ => "550 5.1.1 No such user here" });
        await using var callout = NewCallout();

        var reply = await VerifyAsync(callout, sink.Port, "no-such-user@fwd.test");

        Assert.Equal((550, "5.1.1"), (reply.Code, reply.EnhancedCode));
    }

    [Fact]
    public async Task Verify_InternalServerDefers_ReturnsTemporaryAndAsksAgainNextTime()
    {
        var asked = 0;
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = _ => Interlocked.Increment(ref asked) == 1 ? "451 4.3.0 Try later" : null,
        });
        await using var callout = NewCallout();

        var first = await VerifyAsync(callout, sink.Port, "alice@fwd.test");
        var second = await VerifyAsync(callout, sink.Port, "alice@fwd.test");

        Assert.Equal(451, first.Code);
        Assert.Equal(250, second.Code);
        Assert.Equal(2, asked);
    }

    [Fact]
    public async Task Verify_NothingListens_Returns451_4_4_3()
    {
        await using var callout = NewCallout();

        var reply = await VerifyAsync(callout, EndToEnd.ServerProcess.FreePort(), "alice@fwd.test");

        Assert.Equal((451, "4.4.3"), (reply.Code, reply.EnhancedCode));
    }

    [Fact]
    public async Task Verify_AnswerJustBeforeCalloutTimeout_IsUsed()
    {
        await using var stalled = await StalledSinkAsync();
        await using var callout = NewCallout();

        var pending = VerifyAsync(callout, stalled.Sink.Port, "slow@fwd.test");
        await stalled.Entered.Task.WaitAsync(Patience);
        _time.Advance(CalloutTimeout - Tick);
        stalled.Release();

        Assert.Equal(250, (await pending.WaitAsync(Patience)).Code);
    }

    [Fact]
    public async Task Verify_NoAnswerWithinCalloutTimeout_Returns451_4_4_3()
    {
        await using var stalled = await StalledSinkAsync();
        await using var callout = NewCallout();

        var pending = VerifyAsync(callout, stalled.Sink.Port, "slow@fwd.test");
        await stalled.Entered.Task.WaitAsync(Patience);
        _time.Advance(CalloutTimeout);

        var reply = await pending.WaitAsync(Patience);
        Assert.Equal((451, "4.4.3"), (reply.Code, reply.EnhancedCode));
        Assert.Contains("no answer", reply.ToSingleLine(), StringComparison.Ordinal);
    }

    // ── The pooled connection ───────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Verify_SeveralAddresses_OneConnectionWithOneEhloReused()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = a => a.StartsWith("bad", StringComparison.Ordinal) ? "550 5.1.1 unknown" : null });
        await using var callout = NewCallout();

        var replies = new List<int>();
        foreach (var address in new[] { "a@fwd.test", "bad1@fwd.test", "b@fwd.test", "bad2@fwd.test" })
        {
            replies.Add((await VerifyAsync(callout, sink.Port, address)).Code);
        }

        Assert.Equal([250, 550, 250, 550], replies);
        Assert.Equal(1, sink.ConnectionsAccepted);
        Assert.Equal(1, callout.IdleConnections($"127.0.0.1:{sink.Port}"));
    }

    [Fact]
    public async Task Verify_PooledConnectionDroppedByServer_ReopenedOnceAndAnswered()
    {
        await using var peer = ScriptedPeer.Start(async (number, connection) =>
        {
            // The first connection answers one callout, then the server closes it (an idle timeout on its side).
            await ServeAsync(connection, "250 2.1.5 OK");
        });
        await using var callout = NewCallout();

        var first = await VerifyAsync(callout, peer.Port, "a@fwd.test");
        var second = await VerifyAsync(callout, peer.Port, "b@fwd.test");

        Assert.Equal((250, 250), (first.Code, second.Code));
        Assert.Equal(2, peer.Connections);
        Assert.Empty(peer.Failures);
    }

    [Fact]
    public async Task Verify_PooledConnectionAnswers421_AskedAgainOnANewConnection()
    {
        await using var peer = ScriptedPeer.Start(async (number, connection) =>
        {
            await ServeAsync(connection, "250 2.1.5 OK");
            if (number == 1)
            {
                await connection.ExpectAsync("MAIL FROM:<>");
                await connection.WriteAsync("421 4.4.2 peer.test idle for too long, closing\r\n");
            }
        });
        await using var callout = NewCallout();

        Assert.Equal(250, (await VerifyAsync(callout, peer.Port, "a@fwd.test")).Code);
        Assert.Equal(250, (await VerifyAsync(callout, peer.Port, "b@fwd.test")).Code);
        Assert.Equal(2, peer.Connections);
        Assert.Empty(peer.Failures);
    }

    [Fact]
    public async Task Verify_PooledConnectionDroppedAndNewOneFails_Returns451AfterOneReopen()
    {
        await using var peer = ScriptedPeer.Start(async (number, connection) =>
        {
            if (number == 1)
            {
                await ServeAsync(connection, "250 2.1.5 OK");
            }

            // Any later connection is closed before the greeting.
        });
        await using var callout = NewCallout();

        Assert.Equal(250, (await VerifyAsync(callout, peer.Port, "a@fwd.test")).Code);
        var second = await VerifyAsync(callout, peer.Port, "b@fwd.test");

        Assert.Equal((451, "4.4.3"), (second.Code, second.EnhancedCode));
        Assert.Equal(2, peer.Connections);
    }

    [Fact]
    public async Task Verify_AllConnectionsBusy_WaitsForOneInsteadOfOpeningMore()
    {
        await using var stalled = await StalledSinkAsync(onlyFor: "slow@fwd.test");
        await using var callout = NewCallout(o => o.CalloutConnectionsPerHost = 1);

        var slow = VerifyAsync(callout, stalled.Sink.Port, "slow@fwd.test");
        await stalled.Entered.Task.WaitAsync(Patience);
        var queued = VerifyAsync(callout, stalled.Sink.Port, "quick@fwd.test");
        Assert.False(queued.IsCompleted);
        stalled.Release();

        Assert.Equal((250, 250), ((await slow.WaitAsync(Patience)).Code, (await queued.WaitAsync(Patience)).Code));
        Assert.Equal(1, stalled.Sink.ConnectionsAccepted);
    }

    [Fact]
    public async Task Verify_ConnectionIdleJustUnderIdleTime_Reused()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var callout = NewCallout();

        await VerifyAsync(callout, sink.Port, "a@fwd.test");
        _time.Advance(TimeSpan.FromSeconds(60) - Tick);
        await VerifyAsync(callout, sink.Port, "b@fwd.test");

        Assert.Equal(1, sink.ConnectionsAccepted);
    }

    [Fact]
    public async Task Verify_ConnectionIdleForIdleTime_ClosedAndANewOneOpened()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var callout = NewCallout();

        await VerifyAsync(callout, sink.Port, "a@fwd.test");
        _time.Advance(TimeSpan.FromSeconds(60));
        await sink.WaitForIdleAsync(Patience);
        Assert.Equal(0, sink.CurrentConnections);
        await VerifyAsync(callout, sink.Port, "b@fwd.test");

        Assert.Equal(2, sink.ConnectionsAccepted);
    }

    // ── The cache ───────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Verify_PositiveAnswer_CachedForPositiveCacheTime()
    {
        var asked = 0;
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = _ => { Interlocked.Increment(ref asked); return null; } });
        await using var callout = NewCallout(o => o.CalloutIdleTime = TimeSpan.FromHours(1));

        await VerifyAsync(callout, sink.Port, "alice@fwd.test");
        _time.Advance(TimeSpan.FromMinutes(10) - Tick);
        await VerifyAsync(callout, sink.Port, "ALICE@fwd.test");
        Assert.Equal(1, asked);

        _time.Advance(Tick);
        await VerifyAsync(callout, sink.Port, "alice@fwd.test");
        Assert.Equal(2, asked);
    }

    [Fact]
    public async Task Verify_NegativeAnswer_CachedForNegativeCacheTime()
    {
        var asked = 0;
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = _ => { Interlocked.Increment(ref asked); return "550 5.1.1 unknown"; } });
        await using var callout = NewCallout(o => o.CalloutIdleTime = TimeSpan.FromHours(1));

        Assert.Equal(550, (await VerifyAsync(callout, sink.Port, "nobody@fwd.test")).Code);
        _time.Advance(TimeSpan.FromMinutes(2) - Tick);
        Assert.Equal(550, (await VerifyAsync(callout, sink.Port, "nobody@fwd.test")).Code);
        Assert.Equal(1, asked);

        _time.Advance(Tick);
        await VerifyAsync(callout, sink.Port, "nobody@fwd.test");
        Assert.Equal(2, asked);
    }

    [Fact]
    public void Cache_AtCapacity_LeastRecentlyUsedGoesFirst()
    {
        var cache = new CalloutCache(2, _time);
        var ok = new SmtpReply(250, "2.1.5", "OK");
        cache.Set("a", ok, TimeSpan.FromMinutes(1));
        cache.Set("b", ok, TimeSpan.FromMinutes(1));
        Assert.True(cache.TryGet("a", out _));

        cache.Set("c", ok, TimeSpan.FromMinutes(1));

        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet("a", out _));
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("c", out _));
    }

    [Fact]
    public void Cache_UnderCapacity_KeepsEveryEntry()
    {
        var cache = new CalloutCache(3, _time);
        var ok = new SmtpReply(250, "2.1.5", "OK");
        foreach (var key in new[] { "a", "b", "c" })
        {
            cache.Set(key, ok, TimeSpan.FromMinutes(1));
        }

        Assert.Equal(3, cache.Count);
        Assert.True(cache.TryGet("a", out _));
    }

    // ── Helpers ─────────────────────────────────────────────────────────────────────────────────

    private RecipientCallout NewCallout(Action<DeliveryOptions>? configure = null)
    {
        var options = new DeliveryOptions { HeloName = "callout.test", OpportunisticTls = false, CalloutTimeout = CalloutTimeout };
        configure?.Invoke(options);
        var router = new DeliveryRouter(Options.Create(options), _ => Task.FromResult<DeliverySettings?>(null), new LookupClient());
        return new RecipientCallout(Options.Create(options), router, _time, NullLogger<RecipientCallout>.Instance);
    }

    private static Task<SmtpReply> VerifyAsync(RecipientCallout callout, int port, string address) =>
        callout.VerifyAsync("fwd.test", new DeliverySettings(DeliverySettings.Forward, "127.0.0.1", port), address, address.ToLowerInvariant());

    /// <summary>Greets, takes EHLO (no PIPELINING, so commands come one by one) and answers one callout.</summary>
    private static async Task ServeAsync(ScriptedConnection connection, string rcptReply)
    {
        await connection.WriteAsync("220 peer.test ESMTP\r\n");
        await connection.ExpectAsync("EHLO callout.test");
        await connection.WriteAsync("250-peer.test\r\n250 8BITMIME\r\n");
        await connection.ExpectAsync("MAIL FROM:<>");
        await connection.WriteAsync("250 2.1.0 OK\r\n");
        Assert.StartsWith("RCPT TO:<", await connection.ReadLineAsync());
        await connection.WriteAsync(rcptReply + "\r\n");
        await connection.ExpectAsync("RSET");
        await connection.WriteAsync("250 2.0.0 OK\r\n");
    }

    private static async Task<StalledSink> StalledSinkAsync(string? onlyFor = null)
    {
        var stalled = new StalledSink();
        stalled.Sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = address =>
            {
                if (onlyFor is null || address == onlyFor)
                {
                    stalled.Entered.TrySetResult();
                    stalled.Gate.Wait(Patience);
                }

                return null;
            },
        });
        return stalled;
    }

    /// <summary>A sink whose RCPT answer waits until the test releases it.</summary>
    private sealed class StalledSink : IAsyncDisposable
    {
        public SmtpSink Sink { get; set; } = null!;

        public ManualResetEventSlim Gate { get; } = new();

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => Gate.Set();

        public async ValueTask DisposeAsync()
        {
            Gate.Set();
            await Sink.DisposeAsync();
            Gate.Dispose();
        }
    }
}
