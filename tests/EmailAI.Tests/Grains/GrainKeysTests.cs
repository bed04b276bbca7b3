using EmailAI.Contracts;

namespace EmailAI.Tests.Grains;

public sealed class GrainKeysTests
{
    [Theory]
    [InlineData("Example.COM", "example.com")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("XN--BCHER-KVA.example", "xn--bcher-kva.example")]
    [InlineData("MÜLLER.example", "xn--mller-kva.example")]
    [InlineData("müller.example", "xn--mller-kva.example")]
    // UTS #46 mapping (regression: with invariant globalization the full-width form became xn--mi7chab1aes7c.com).
    [InlineData("ＥＸＡＭＰＬＥ.com", "example.com")]
    [InlineData("ｅｘａｍｐｌｅ．ｃｏｍ", "example.com")]
    [InlineData("example。com", "example.com")]
    [InlineData("ex\u00ADample.com", "example.com")]
    [InlineData("ﬁle.example", "file.example")]
    [InlineData("faß.de", "xn--fa-hia.de")]
    public void Domain_Variants_NormaliseToOneKey(string input, string expected)
    {
        Assert.Equal(expected, GrainKeys.Domain(System.Text.RegularExpressions.Regex.Unescape(input)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData("example.com.")]
    [InlineData("-bad.example")]
    [InlineData("under_score.example")]
    [InlineData("a..b.example")]
    [InlineData("exa mple.com")]
    [InlineData("192.0.2.1")]
    [InlineData("10.0.0.300")]
    [InlineData("[192.0.2.1]")]
    [InlineData("[IPv6:2001:db8::1]")]
    [InlineData("::1")]
    [InlineData("example.com。")]
    [InlineData("xn--.example")]
    public void TryNormalizeDomain_Invalid_False(string input)
    {
        Assert.False(GrainKeys.TryNormalizeDomain(input, out _));
    }

    [Theory]
    [InlineData("Alice@Example.com", "alice@example.com")]
    [InlineData("first.last+tag@bücher.example", "first.last+tag@xn--bcher-kva.example")]
    public void Address_Variants_NormaliseToOneKey(string input, string expected)
    {
        Assert.Equal(expected, GrainKeys.Address(input));
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("@example.com")]
    [InlineData(".alice@example.com")]
    [InlineData("alice.@example.com")]
    [InlineData("al..ice@example.com")]
    [InlineData("\"alice\"@example.com")]
    [InlineData("al ice@example.com")]
    [InlineData("alice@example.com.")]
    public void TryNormalizeAddress_Invalid_False(string input)
    {
        Assert.False(GrainKeys.TryNormalizeAddress(input, out _));
    }

    [Fact]
    public void TryNormalizeAddress_LocalPartOver64Octets_False()
    {
        Assert.True(GrainKeys.TryNormalizeAddress(new string('a', 64) + "@example.com", out _));
        Assert.False(GrainKeys.TryNormalizeAddress(new string('a', 65) + "@example.com", out _));
    }
}
