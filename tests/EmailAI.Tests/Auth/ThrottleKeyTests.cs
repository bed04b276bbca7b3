using System.Net;
using EmailAI.Contracts;

namespace EmailAI.Tests.Auth;

/// <summary>The keys login throttles count under: spellings of one account share a count, one IPv6 host's /64 too.</summary>
public sealed class ThrottleKeyTests
{
    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff::9")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    public void ThrottleForClient_SameHost_OneKey(string first, string second)
    {
        Assert.Equal(GrainKeys.ThrottleForClient(IPAddress.Parse(first)), GrainKeys.ThrottleForClient(IPAddress.Parse(second)));
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1")]
    [InlineData("192.0.2.7", "192.0.2.8")]
    public void ThrottleForClient_OtherHost_OtherKey(string first, string second)
    {
        Assert.NotEqual(GrainKeys.ThrottleForClient(IPAddress.Parse(first)), GrainKeys.ThrottleForClient(IPAddress.Parse(second)));
    }

    [Fact]
    public void ThrottleForLogin_SpellingsOfOneAccount_OneKeyPerClient()
    {
        var client = IPAddress.Parse("192.0.2.7");
        Assert.Equal(GrainKeys.ThrottleForLogin("alice@xn--bcher-kva.example", client), GrainKeys.ThrottleForLogin("Alice@BÜCHER.example", client));
        Assert.NotEqual(GrainKeys.ThrottleForLogin("alice@example.com", client), GrainKeys.ThrottleForLogin("alice@example.com", IPAddress.Parse("192.0.2.8")));
        Assert.NotEqual(GrainKeys.ThrottleForLogin("alice@example.com", client), GrainKeys.ThrottleForLogin("bob@example.com", client));
    }

    [Fact]
    public void ThrottleForLogin_HugeName_KeyBounded()
    {
        var key = GrainKeys.ThrottleForLogin(new string('x', 10_000), IPAddress.Parse("192.0.2.7"));
        Assert.True(key.Length <= GrainKeys.MaxThrottledNameLength + 40, key.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
