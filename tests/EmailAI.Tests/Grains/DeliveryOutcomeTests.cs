using EmailAI.Contracts;
using EmailAI.Grains.Delivery;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Grains;

/// <summary>Retry, bounce and expiry decisions, and the backoff schedule, on a fake clock (Postfix's defaults: 5 days, 300 s doubling to 4000 s).</summary>
public sealed class DeliveryOutcomeTests
{
    private static readonly DeliveryOptions Defaults = new();
    private static readonly SmtpReply Temporary = new(451, "4.3.0", "try later");

    [Fact]
    public void TemporaryFailure_KeptUntilTheLifetimeEnds_ThenBouncedWith547()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var row = Row(receivedAt: clock.GetUtcNow());

        clock.Advance(TimeSpan.FromDays(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(DeliveryOutcome.Deferred, DeliveryDecision.Classify(row, Temporary, clock.GetUtcNow(), Defaults).Outcome);

        clock.Advance(TimeSpan.FromSeconds(1));
        var (outcome, reply) = DeliveryDecision.Classify(row, Temporary, clock.GetUtcNow(), Defaults);
        Assert.Equal(DeliveryOutcome.Bounced, outcome);
        Assert.Equal((550, "5.4.7"), (reply.Code, reply.EnhancedCode));
        Assert.Contains("5 days", reply.Lines[0]);
        Assert.Contains("451 4.3.0 try later", reply.Lines[0]);
    }

    [Theory]
    [InlineData(250, DeliveryOutcome.Delivered)]
    [InlineData(251, DeliveryOutcome.Delivered)]
    [InlineData(421, DeliveryOutcome.Deferred)]
    [InlineData(452, DeliveryOutcome.Deferred)]
    [InlineData(550, DeliveryOutcome.Bounced)]
    [InlineData(554, DeliveryOutcome.Bounced)]
    public void Reply_DecidesTheOutcome(int code, DeliveryOutcome expected)
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(1);
        var reply = new SmtpReply(code, null, "text");
        Assert.Equal(expected, DeliveryDecision.Classify(Row(now), reply, now, Defaults).Outcome);
        Assert.Same(reply, DeliveryDecision.Classify(Row(now), reply, now, Defaults).Reply);
    }

    [Fact]
    public void Backoff_DoublesFromTheMinimum_CappedAtTheMaximum()
    {
        Assert.Equal(
            [300, 600, 1200, 2400, 4000, 4000],
            Enumerable.Range(1, 6).Select(a => Defaults.BackoffAfter(a).TotalSeconds));
    }

    private static QueuedRecipient Row(DateTimeOffset receivedAt) =>
        new(1, 1, "Q", "a@local.test", "b@remote.example", "remote.example", receivedAt, 100, 3, receivedAt, null, false);
}
