using System.Net;
using CsCheck;
using EmailAI.Grains.Authentication.Spf;

namespace EmailAI.Tests.Authentication.Spf;

/// <summary>The record grammar of RFC 7208 §4.6.1, §5 and §6, parsed without DNS.</summary>
public sealed class SpfRecordTests
{
    [Fact]
    public void Parse_EveryMechanismAndModifier_GivesThemInOrder()
    {
        Assert.True(SpfRecord.TryParse("v=spf1 +all -include:_spf.example.com ~a ?a:mail.%{d}/24//64 mx//48 ptr:example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{i}.bl.example.com redirect=_spf.example.com exp=why.%{d} x-unknown=%{d}", out var record, out var error), error);
        Assert.Equal(
            [SpfMechanismKind.All, SpfMechanismKind.Include, SpfMechanismKind.A, SpfMechanismKind.A, SpfMechanismKind.Mx, SpfMechanismKind.Ptr, SpfMechanismKind.Ip4, SpfMechanismKind.Ip6, SpfMechanismKind.Exists],
            record.Mechanisms.Select(m => m.Kind));
        Assert.Equal([SpfResult.Pass, SpfResult.Fail, SpfResult.SoftFail, SpfResult.Neutral, SpfResult.Pass], record.Mechanisms.Take(5).Select(m => m.Qualifier));
        Assert.Equal(("mail.%{d}", 24, 64), (record.Mechanisms[3].DomainSpec, record.Mechanisms[3].Prefix4, record.Mechanisms[3].Prefix6));
        Assert.Equal((null, 32, 48), (record.Mechanisms[4].DomainSpec, record.Mechanisms[4].Prefix4, record.Mechanisms[4].Prefix6));
        Assert.Equal((IPAddress.Parse("192.0.2.0"), 24), (record.Mechanisms[6].Network, record.Mechanisms[6].Prefix4));
        Assert.Equal((IPAddress.Parse("2001:db8::"), 32), (record.Mechanisms[7].Network, record.Mechanisms[7].Prefix6));
        Assert.Equal(("_spf.example.com", "why.%{d}"), (record.Redirect, record.Explanation));
    }

    [Theory]
    [InlineData("v=spf1 -all")]
    [InlineData("V=SPF1 MX -ALL")]
    [InlineData("v=spf1")]
    [InlineData("v=spf1   a   -all  ")]
    [InlineData("v=spf1 a/0 ip4:0.0.0.0/0 ip6:::/0")]
    [InlineData("v=spf1 include:example.com.")]
    [InlineData("v=spf1 moo.cow-far_out=man:dog/cat -all")]
    public void Parse_ValidRecord_Parses(string text)
    {
        Assert.True(SpfRecord.TryParse(text, out _, out var error), error);
    }

    [Theory]
    [InlineData("v=spf10 -all")]
    [InlineData("v=spf1 -all moo")]
    [InlineData("v=spf1 all:x")]
    [InlineData("v=spf1 include")]
    [InlineData("v=spf1 include:")]
    [InlineData("v=spf1 a:foo-bar")]
    [InlineData("v=spf1 a:1.2.3.4")]
    [InlineData("v=spf1 ip4:1.2.3")]
    [InlineData("v=spf1 ip4:1.2.3.4/33")]
    [InlineData("v=spf1 ip4:1.2.3.4/032")]
    [InlineData("v=spf1 ip4:01.2.3.4")]
    [InlineData("v=spf1 ip4:1.2.3.4//32")]
    [InlineData("v=spf1 ip6:::1/129")]
    [InlineData("v=spf1 ip6:1.2.3.4")]
    [InlineData("v=spf1 ip4:::1")]
    [InlineData("v=spf1 a//129")]
    [InlineData("v=spf1 a/33")]
    [InlineData("v=spf1 ptr/24")]
    [InlineData("v=spf1 redirect=a.example.com redirect=b.example.com")]
    [InlineData("v=spf1 exp=a.example.com exp=b.example.com")]
    [InlineData("v=spf1 redirect:a.example.com")]
    [InlineData("v=spf1 x=%{z}")]
    [InlineData("v=spf1 1x=y")]
    [InlineData("v=spf1 exists:%{c}.example.com")]
    [InlineData("v=spf1 a:example.com\tmx")]
    [InlineData("v=spf1 a:ex\u00e4mple.com")]
    public void Parse_SyntaxError_IsRefused(string text)
    {
        Assert.False(SpfRecord.TryParse(text, out var record, out var error));
        Assert.Null(record);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Parse_ArbitraryText_NeverThrowsAndAlwaysAnswers()
    {
        var term = Gen.OneOf(
            Gen.String[Gen.Char["+-~?allincludeamxptrip46existsredirectexp=:/.%{}0123456789dslr "], 0, 30],
            Gen.String[Gen.Char, 0, 20]);
        Gen.Select(Gen.Bool, term.List[0, 8]).Sample((versioned, terms) =>
        {
            var text = (versioned ? "v=spf1 " : "") + string.Join(' ', terms);
            var ok = SpfRecord.TryParse(text, out var record, out var error);
            Assert.True(ok ? record is not null && error is null : record is null && error is not null);
        });
    }

    [Fact]
    public void Parse_Ip4NetworkWithPrefix_KeepsAddressAndPrefix()
    {
        Gen.Select(Gen.Byte.Array[4], Gen.Int[0, 32]).Sample((bytes, prefix) =>
        {
            var address = new IPAddress(bytes);
            Assert.True(SpfRecord.TryParse($"v=spf1 -ip4:{address}/{prefix}", out var record, out _));
            Assert.Equal((address, prefix, SpfResult.Fail), (record.Mechanisms[0].Network, record.Mechanisms[0].Prefix4, record.Mechanisms[0].Qualifier));
        });
    }

    [Fact]
    public void Parse_Ip6NetworkWithPrefix_KeepsAddressAndPrefix()
    {
        Gen.Select(Gen.Byte.Array[16], Gen.Int[0, 128]).Sample((bytes, prefix) =>
        {
            var address = new IPAddress(bytes);
            Assert.True(SpfRecord.TryParse($"v=spf1 ip6:{address}/{prefix}", out var record, out var error), error);
            Assert.Equal((address, prefix), (record.Mechanisms[0].Network, record.Mechanisms[0].Prefix6));
        });
    }
}
