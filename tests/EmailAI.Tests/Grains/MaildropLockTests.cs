using EmailAI.Grains;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Grains;

/// <summary>The maildrop lock's lease: how a crashed gateway stops locking a user out.</summary>
public sealed class MaildropLockTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    [Fact]
    public void TryAcquire_HeldByAnother_RefusedUntilLeaseRunsOut()
    {
        var time = new FakeTimeProvider();
        var maildropLock = new MaildropLock(time);
        Assert.True(maildropLock.TryAcquire("gateway-a-session", Lease));
        Assert.False(maildropLock.TryAcquire("gateway-b-session", Lease));

        // Gateway A dies: no renewal, no release. One lease later the maildrop is free.
        time.Advance(Lease - TimeSpan.FromSeconds(1));
        Assert.False(maildropLock.TryAcquire("gateway-b-session", Lease));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(maildropLock.TryAcquire("gateway-b-session", Lease));
        Assert.Equal("gateway-b-session", maildropLock.Holder);
    }

    [Fact]
    public void TryRenew_BeforeExpiry_KeepsOthersOut()
    {
        var time = new FakeTimeProvider();
        var maildropLock = new MaildropLock(time);
        maildropLock.TryAcquire("a", Lease);
        for (var i = 0; i < 10; i++)
        {
            time.Advance(Lease / 3);
            Assert.True(maildropLock.TryRenew("a", Lease));
            Assert.False(maildropLock.TryAcquire("b", Lease));
        }
    }

    [Fact]
    public void TryRenew_AfterAnotherTookTheLock_FalseAndHolderCannotCommit()
    {
        var time = new FakeTimeProvider();
        var maildropLock = new MaildropLock(time);
        maildropLock.TryAcquire("a", Lease);
        time.Advance(Lease);
        Assert.True(maildropLock.TryAcquire("b", Lease));

        Assert.False(maildropLock.TryRenew("a", Lease));
        Assert.False(maildropLock.IsHeldBy("a"));
        maildropLock.Release("a");
        Assert.True(maildropLock.IsHeldBy("b"));
    }

    [Fact]
    public void TryRenew_ExpiredButNobodyTookIt_Regained()
    {
        var time = new FakeTimeProvider();
        var maildropLock = new MaildropLock(time);
        maildropLock.TryAcquire("a", Lease);
        time.Advance(Lease * 2);
        Assert.True(maildropLock.TryRenew("a", Lease));
        Assert.True(maildropLock.IsHeldBy("a"));
    }

    [Fact]
    public void Release_ByHolder_FreesAtOnce()
    {
        var maildropLock = new MaildropLock(new FakeTimeProvider());
        maildropLock.TryAcquire("a", Lease);
        maildropLock.Release("a");
        Assert.Null(maildropLock.Holder);
        Assert.True(maildropLock.TryAcquire("b", Lease));
    }

    [Fact]
    public void Lease_HandedOverToANewActivation_KeepsTheHolderAndItsExpiry()
    {
        var time = new FakeTimeProvider();
        var old = new MaildropLock(time);
        Assert.Null(old.Lease);
        old.TryAcquire("a", Lease);
        var handedOver = old.Lease;

        time.Advance(TimeSpan.FromSeconds(5));
        var next = new MaildropLock(time);
        next.Restore(handedOver);
        Assert.Equal("a", next.Holder);
        Assert.False(next.TryAcquire("b", Lease));
        Assert.True(next.TryRenew("a", Lease));

        // The handed-over lease runs out at the same moment it would have on the old activation.
        var later = new MaildropLock(time);
        later.Restore(handedOver);
        time.Advance(Lease - TimeSpan.FromSeconds(5));
        Assert.Null(later.Holder);
        Assert.True(later.TryAcquire("b", Lease));
    }

    [Fact]
    public void Restore_ExpiredOrReleasedLease_LeavesTheMaildropFree()
    {
        var time = new FakeTimeProvider();
        var old = new MaildropLock(time);
        old.TryAcquire("a", Lease);
        var handedOver = old.Lease;
        old.Release("a");
        Assert.Null(old.Lease);

        time.Advance(Lease);
        var next = new MaildropLock(time);
        next.Restore(handedOver);
        Assert.Null(next.Holder);
        next.Restore(null);
        Assert.True(next.TryAcquire("b", Lease));
    }
}
