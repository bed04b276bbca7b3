using System.Net;
using CsCheck;
using EmailAI.Grains.Authentication.Spf;

namespace EmailAI.Tests.Authentication.Spf;

/// <summary>Macro expansion (RFC 7208 §7), exactly as §7.4's examples print it, and the grammar's edges.</summary>
public sealed class SpfMacroExpanderTests
{
    // RFC 7208 §7.4: sender strong-bad@email.example.com, client 192.0.2.3 or 2001:db8::cb01, validated name mx.example.org.
    private static readonly SpfMacroContext V4 = new(IPAddress.Parse("192.0.2.3"), "strong-bad@email.example.com", "email.example.com", "mx.example.org", "mx.example.org", "receiver.example.net", 1_700_000_000);
    private static readonly SpfMacroContext V6 = V4 with { Client = IPAddress.Parse("2001:db8::cb01") };

    [Theory]
    [InlineData("%{s}", "strong-bad@email.example.com")]
    [InlineData("%{o}", "email.example.com")]
    [InlineData("%{d}", "email.example.com")]
    [InlineData("%{d4}", "email.example.com")]
    [InlineData("%{d3}", "email.example.com")]
    [InlineData("%{d2}", "example.com")]
    [InlineData("%{d1}", "com")]
    [InlineData("%{dr}", "com.example.email")]
    [InlineData("%{d2r}", "example.email")]
    [InlineData("%{l}", "strong-bad")]
    [InlineData("%{l-}", "strong.bad")]
    [InlineData("%{lr}", "strong-bad")]
    [InlineData("%{lr-}", "bad.strong")]
    [InlineData("%{l1r-}", "strong")]
    [InlineData("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com")]
    [InlineData("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com")]
    [InlineData("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net")]
    public void Expand_Rfc7208Section74Ipv4_GivesThePrintedExpansion(string macro, string expected)
    {
        Assert.True(SpfMacroExpander.TryExpand(macro, V4, explanation: false, out var expanded));
        Assert.Equal(expected, expanded);
    }

    [Fact]
    public void Expand_Rfc7208Section74Ipv6_GivesDotSeparatedNibbles()
    {
        Assert.True(SpfMacroExpander.TryExpand("%{ir}.%{v}._spf.%{d2}", V6, explanation: false, out var expanded));
        Assert.Equal("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com", expanded);
    }

    [Theory]
    [InlineData("%{p}", "mx.example.org")]
    [InlineData("%{h}", "mx.example.org")]
    [InlineData("%{i}", "192.0.2.3")]
    [InlineData("%{v}", "in-addr")]
    [InlineData("%%%_%-", "% %20")]
    [InlineData("%{l}.x%%y", "strong-bad.x%y")]
    [InlineData("%{d999}", "email.example.com")]
    [InlineData("%{D}", "email.example.com")]
    [InlineData("%{S}", "strong-bad%40email.example.com")]
    [InlineData("%{o+=}", "email.example.com")]
    public void Expand_OtherMacros_GiveTheirValues(string macro, string expected)
    {
        Assert.True(SpfMacroExpander.TryExpand(macro, V4, explanation: false, out var expanded));
        Assert.Equal(expected, expanded);
    }

    [Fact]
    public void Expand_ExplanationLetters_GiveClientReceiverAndTime()
    {
        Assert.True(SpfMacroExpander.TryExpand("%{c} refused by %{r} at %{t}", V6, explanation: true, out var expanded));
        Assert.Equal("2001:db8::cb01 refused by receiver.example.net at 1700000000", expanded);
    }

    [Fact]
    public void Expand_NoValidatedNameOrReceiver_GivesUnknown()
    {
        var context = V4 with { ValidatedDomain = null, Receiver = null, Helo = null };
        Assert.True(SpfMacroExpander.TryExpand("%{p} %{r} %{h}", context, explanation: true, out var expanded));
        Assert.Equal("unknown unknown unknown", expanded);
    }

    [Theory]
    [InlineData("%")]
    [InlineData("%a")]
    [InlineData("%{")]
    [InlineData("%{d2r")]
    [InlineData("%{}")]
    [InlineData("%{x}")]
    [InlineData("%{d0}")]
    [InlineData("%{d2x}")]
    [InlineData("%{c}")]
    [InlineData("%{r}")]
    [InlineData("%{t}")]
    [InlineData("a b")]
    [InlineData("caf\u00e9")]
    public void Expand_OutsideTheGrammar_IsRefused(string text)
    {
        Assert.False(SpfMacroExpander.TryExpand(text, V4, explanation: false, out _));
    }

    [Fact]
    public void Expand_ArbitraryText_NeverThrows()
    {
        var text = Gen.String[Gen.OneOf(Gen.Char["%{}_-.+,/=rR0123456789slodiphcrtvSLODIPHCRTV "], Gen.Char), 0, 40];
        Gen.Select(text, Gen.Bool, Gen.Bool).Sample((t, explanation, v6) =>
        {
            var ok = SpfMacroExpander.TryExpand(t, v6 ? V6 : V4, explanation, out var expanded);
            Assert.Equal(ok, expanded is not null);
            Assert.Equal(ok, SpfMacroExpander.IsValid(t, explanation));
        });
    }

    [Fact]
    public void Expand_LiteralWithoutPercent_IsItself()
    {
        Gen.String[Gen.Char['!', '~'], 0, 40].Where(s => !s.Contains('%')).Sample(s =>
        {
            Assert.True(SpfMacroExpander.TryExpand(s, V4, explanation: false, out var expanded));
            Assert.Equal(s, expanded);
        });
    }
}
