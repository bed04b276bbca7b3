using EmailAI.Grains;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Grains;

public sealed class RecentLoginsTests
{
    [Fact]
    public void Matches_SamePasswordWithinTtl_TrueOtherPasswordFalse()
    {
        var time = new FakeTimeProvider();
        var recent = new RecentLogins(time);
        recent.Remember("correct horse", TimeSpan.FromMinutes(10));
        Assert.True(recent.Matches("correct horse"));
        Assert.False(recent.Matches("correct hors"));
        Assert.False(recent.Matches("Correct horse"));
    }

    [Fact]
    public void Matches_AfterTtl_False()
    {
        var time = new FakeTimeProvider();
        var recent = new RecentLogins(time);
        recent.Remember("pw-123456", TimeSpan.FromMinutes(10));
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(recent.Matches("pw-123456"));
    }

    [Fact]
    public void Matches_AfterForgetOrWithZeroTtl_False()
    {
        var time = new FakeTimeProvider();
        var recent = new RecentLogins(time);
        recent.Remember("pw-123456", TimeSpan.FromMinutes(10));
        recent.Forget();
        Assert.False(recent.Matches("pw-123456"));

        recent.Remember("pw-123456", TimeSpan.Zero);
        Assert.False(recent.Matches("pw-123456"));
    }
}
