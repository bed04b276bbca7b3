using EmailAI.Protocols.Common;

namespace EmailAI.Tests.Grains;

/// <summary>
/// The strict address reading shared by the Authorised IP list, the location database's CSV and the dry run.
/// Regression: the CSV reader and the dry run passed dotted text to IPAddress.TryParse, which reads a leading zero
/// as octal, so <c>010.0.0.1</c> was 8.0.0.1 there and 10.0.0.1 in the Authorised IP list.
/// </summary>
public sealed class IpAddressTextTests
{
    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("010.0.0.1", "10.0.0.1")]
    [InlineData("0127.0.0.1", null)]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("256.0.0.1", null)]
    [InlineData("10.1", null)]
    [InlineData("167772161", null)]
    [InlineData("0x0a.0.0.1", null)]
    [InlineData("1.2.3.4.5", null)]
    [InlineData("1..3.4", null)]
    [InlineData("1.2.3.", null)]
    [InlineData(" 1.2.3.4", null)]
    [InlineData("", null)]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("::ffff:10.0.0.1", "::ffff:10.0.0.1")]
    [InlineData("fe80::1%2", null)]
    [InlineData("2001:db8::g", null)]
    public void TryParse_StrictForms(string text, string? expected)
    {
        Assert.Equal(expected is not null, IpAddressText.TryParse(text, out var address));
        Assert.Equal(expected, address?.ToString());
    }
}
