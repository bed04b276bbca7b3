using EmailAI.Gateway.Pop3;
using EmailAI.Protocols.Pop3;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// The maildrop lock's lease is renewed in the background, every third of the lease, on a fake clock: it
/// goes on while nothing else happens (a long RETR being written), stops before UPDATE or release (and waits
/// for a renewal in flight, so a late one cannot take back the lock), and reports a lock taken by another.
/// </summary>
public sealed class LeaseRenewingPop3BackendTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(Pop3TestHarness.StartTime);
    private readonly FakePop3Backend _inner = new();
    private readonly List<DateTimeOffset> _renewals = [];
    private Func<Task<bool>> _renew = () => Task.FromResult(true);

    [Fact]
    public async Task Open_TenLeasesPass_RenewedEveryThirdOfTheLease()
    {
        await using var backend = Create();
        await backend.OpenAsync(FakePop3Backend.AliceMailbox, "s1", CancellationToken.None);

        await AdvanceUntilAsync(() => Count() >= 30, Lease * 10);

        var renewals = Snapshot();
        Assert.True(renewals.Count >= 30, $"{renewals.Count} renewals");
        Assert.All(renewals.Zip(renewals.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, Lease / 3, (Lease / 3) + (Step * 3)));
        Assert.False(backend.LeaseLost.IsCancellationRequested);
    }

    [Fact]
    public async Task Commit_AfterRenewals_NoRenewalAfterItAndInnerCommitted()
    {
        _inner.AddMessage(FakePop3Backend.AliceMailbox, 1, "a\r\n");
        await using var backend = Create();
        await backend.OpenAsync(FakePop3Backend.AliceMailbox, "s1", CancellationToken.None);
        await AdvanceUntilAsync(() => Count() >= 2, Lease * 2);

        Assert.True(await backend.CommitAsync(FakePop3Backend.AliceMailbox, "s1", [1L], CancellationToken.None));
        var before = Count();
        _time.Advance(Lease * 5);
        await Task.Delay(50);

        Assert.Equal(before, Count());
        Assert.Empty(_inner.StoredUids(FakePop3Backend.AliceMailbox));
        Assert.Null(_inner.LockHolder(FakePop3Backend.AliceMailbox));
    }

    [Fact]
    public async Task Release_WhileRenewalInFlight_ReleasesOnlyAfterTheRenewalReturned()
    {
        var inFlight = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _renew = () =>
        {
            started.TrySetResult();
            return inFlight.Task;
        };
        await using var backend = Create();
        await backend.OpenAsync(FakePop3Backend.AliceMailbox, "s1", CancellationToken.None);
        _time.Advance(Lease / 3);
        await started.Task.WaitAsync(Bounded);

        var release = backend.ReleaseAsync(FakePop3Backend.AliceMailbox, "s1").AsTask();
        await Task.Delay(50);
        Assert.False(release.IsCompleted, "released while a renewal was still in flight");
        Assert.Empty(_inner.ReleaseCalls);

        inFlight.SetResult(true);
        await release.WaitAsync(Bounded);

        Assert.Single(_inner.ReleaseCalls);
        Assert.Null(_inner.LockHolder(FakePop3Backend.AliceMailbox));
    }

    [Fact]
    public async Task Renewal_LockTakenByAnother_LeaseLostFiresAndRenewalsStop()
    {
        _renew = () => Task.FromResult(false);
        await using var backend = Create();
        await backend.OpenAsync(FakePop3Backend.AliceMailbox, "s1", CancellationToken.None);

        await AdvanceUntilAsync(() => backend.LeaseLost.IsCancellationRequested, Lease);
        _time.Advance(Lease * 3);
        await Task.Delay(50);

        Assert.True(backend.LeaseLost.IsCancellationRequested);
        Assert.Equal(1, Count());
    }

    [Fact]
    public async Task Renewal_Throws_TriedAgainAtTheNextTickAndLockKept()
    {
        var calls = 0;
        _renew = () => ++calls == 1 ? Task.FromException<bool>(new TimeoutException("silo busy")) : Task.FromResult(true);
        await using var backend = Create();
        await backend.OpenAsync(FakePop3Backend.AliceMailbox, "s1", CancellationToken.None);

        await AdvanceUntilAsync(() => Count() >= 3, Lease * 2);

        Assert.False(backend.LeaseLost.IsCancellationRequested);
    }

    [Fact]
    public async Task Open_MaildropInUse_NeverRenews()
    {
        _inner.LockByOtherSession(FakePop3Backend.AliceMailbox);
        await using var backend = Create();
        var open = await backend.OpenAsync(FakePop3Backend.AliceMailbox, "s1", CancellationToken.None);

        _time.Advance(Lease * 3);
        await Task.Delay(50);

        Assert.Equal(Pop3OpenStatus.InUse, open.Status);
        Assert.Equal(0, Count());
    }

    private static TimeSpan Step => TimeSpan.FromSeconds(5);

    private LeaseRenewingPop3Backend Create() => new(
        _inner,
        (_, _) =>
        {
            lock (_renewals)
            {
                _renewals.Add(_time.GetUtcNow());
            }

            return _renew();
        },
        Lease,
        _time,
        NullLogger.Instance);

    private int Count()
    {
        lock (_renewals)
        {
            return _renewals.Count;
        }
    }

    private List<DateTimeOffset> Snapshot()
    {
        lock (_renewals)
        {
            return [.. _renewals];
        }
    }

    /// <summary>Moves the fake clock in small steps (letting the renewal loop run between them) until the condition holds.</summary>
    private async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan atMost)
    {
        var end = _time.GetUtcNow() + atMost + Step;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && _time.GetUtcNow() < end && clock.Elapsed < Bounded)
        {
            _time.Advance(Step);
            await Task.Delay(5);
        }

        Assert.True(condition(), $"not reached by {_time.GetUtcNow() - Pop3TestHarness.StartTime} on the fake clock");
    }
}
