using System.Net;
using EmailAI.Grains;

namespace EmailAI.Tests.Grains;

public sealed class IpPatternTests
{
    [Theory]
    [InlineData("192.168.1.%", "192.168.1.0", true)]
    [InlineData("192.168.1.%", "192.168.1.255", true)]
    [InlineData("192.168.1.%", "192.168.2.1", false)]
    [InlineData("10.%.%.%", "10.200.3.4", true)]
    [InlineData("10.%.%.%", "11.0.0.1", false)]
    [InlineData("%.%.%.%", "8.8.8.8", true)]
    [InlineData("10.0.0.7", "10.0.0.7", true)]
    [InlineData("10.0.0.7", "10.0.0.8", false)]
    [InlineData("192.168.1.0/24", "192.168.1.77", true)]
    [InlineData("192.168.1.0/24", "192.168.0.77", false)]
    [InlineData("10.0.0.0/9", "10.127.255.255", true)]
    [InlineData("10.0.0.0/9", "10.128.0.0", false)]
    [InlineData("0.0.0.0/0", "1.2.3.4", true)]
    [InlineData("2001:db8::/32", "2001:db8:1::5", true)]
    [InlineData("2001:db8::/32", "2001:db9::5", false)]
    [InlineData("::1", "::1", true)]
    [InlineData("192.168.1.%", "::ffff:192.168.1.9", true)]
    [InlineData("192.168.1.0/24", "::ffff:192.168.1.9", true)]
    [InlineData("192.168.1.%", "2001:db8::1", false)]
    [InlineData("2001:db8::/32", "192.168.1.1", false)]
    [InlineData("::ffff:127.0.0.1", "127.0.0.1", true)]
    [InlineData("::ffff:127.0.0.1", "::ffff:127.0.0.1", true)]
    [InlineData("::ffff:127.0.0.1", "127.0.0.2", false)]
    [InlineData("::ffff:10.0.0.0/104", "10.1.2.3", true)]
    [InlineData("::ffff:10.0.0.0/104", "11.0.0.1", false)]
    [InlineData("::ffff:0.0.0.0/96", "203.0.113.9", true)]
    [InlineData("::ffff:0.0.0.0/96", "2001:db8::1", false)]
    public void Matches_Address_AsTheSeedAndCidrDefine(string pattern, string client, bool expected)
    {
        Assert.True(IpPattern.TryParse(pattern, out var parsed));
        Assert.Equal(expected, parsed.Matches(IPAddress.Parse(client)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("192.168.1")]
    [InlineData("10.1")]
    [InlineData("300.1.1.1")]
    [InlineData("::ffff:0.0.0.0/95")]
    [InlineData("10.%")]
    [InlineData("10.%.%")]
    [InlineData("1%.2.3.4")]
    [InlineData("1.2.3.4/33")]
    [InlineData("1.2.3.4/-1")]
    [InlineData("2001:db8::/129")]
    [InlineData("1.2.3.4 ")]
    [InlineData("example.com")]
    [InlineData("fe80::1%eth0")]
    [InlineData("01234.1.1.1")]
    public void TryParse_Malformed_Refused(string pattern)
    {
        Assert.False(IpPattern.TryParse(pattern, out _));
    }
}
