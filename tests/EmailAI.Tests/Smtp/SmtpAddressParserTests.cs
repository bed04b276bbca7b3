using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>RFC 5321 §4.1.2 path grammar, §4.1.3 address literals, §4.5.3.1 length limits, RFC 6531 UTF-8.</summary>
public sealed class SmtpAddressParserTests
{
    private static bool ParsesWhole(string text, bool utf8 = false) =>
        SmtpAddressParser.TryParseForwardPath(text, utf8, out _, out var consumed) && consumed == text.Length;

    private static string Label(char c, int length) => new(c, length);

    [Theory]
    [InlineData("<alice@example.com>")]
    [InlineData("<ALICE@EXAMPLE.COM>")]
    [InlineData("<first.middle.last@example.com>")]
    [InlineData("<!#$%&'*+-/=?^_`{|}~@example.com>")]
    [InlineData("<user+tag@sub.domain.example.com>")]
    [InlineData("<user@localhost>")]
    [InlineData("<user@123.example>")]
    [InlineData("<user@a-b.example>")]
    [InlineData("<user@xn--bcher-kva.example>")]
    [InlineData("<\"john doe\"@example.com>")]
    [InlineData("<\"a@b\"@example.com>")]
    [InlineData("<\"a>b\"@example.com>")]
    [InlineData("<\"a\\\"b\"@example.com>")]
    [InlineData("<\"a\\\\b\"@example.com>")]
    [InlineData("<\".leading..dots.\"@example.com>")]
    [InlineData("<user@[192.0.2.1]>")]
    [InlineData("<user@[0.0.0.0]>")]
    [InlineData("<user@[255.255.255.255]>")]
    [InlineData("<user@[IPv6:2001:db8::1]>")]
    [InlineData("<user@[IPv6:::1]>")]
    [InlineData("<user@[IPv6:2001:db8:0:0:0:0:0:1]>")]
    [InlineData("<user@[IPv6:::ffff:192.0.2.1]>")]
    [InlineData("<@relay.example:user@example.com>")]
    [InlineData("<@a.example,@b.example:user@example.com>")]
    [InlineData("<postmaster>")]
    [InlineData("<Postmaster>")]
    [InlineData("<postmaster@example.com>")]
    public void TryParseForwardPath_ValidAscii_Accepted(string text)
    {
        Assert.True(ParsesWhole(text), text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice@example.com")]
    [InlineData("<alice@example.com")]
    [InlineData("alice@example.com>")]
    [InlineData("<>")]
    [InlineData("<alice>")]
    [InlineData("<@example.com>")]
    [InlineData("<alice@>")]
    [InlineData("<.alice@example.com>")]
    [InlineData("<alice.@example.com>")]
    [InlineData("<al..ice@example.com>")]
    [InlineData("<al ice@example.com>")]
    [InlineData("<al\"ice@example.com>")]
    [InlineData("<al(comment)ice@example.com>")]
    [InlineData("<a@b@example.com>")]
    [InlineData("<alice@example..com>")]
    [InlineData("<alice@.example.com>")]
    [InlineData("<alice@example.com.>")]
    [InlineData("<alice@-example.com>")]
    [InlineData("<alice@example-.com>")]
    [InlineData("<alice@exa_mple.com>")]
    [InlineData("<alice@exa mple.com>")]
    [InlineData("<\"unterminated@example.com>")]
    [InlineData("<\"a\"b@example.com>")]
    [InlineData("<\"a\"@>")]
    [InlineData("<\"a\tb\"@example.com>")]
    [InlineData("<\"a\\\"@example.com>")]
    [InlineData("<alice@[192.0.2.256]>")]
    [InlineData("<alice@[192.0.2]>")]
    [InlineData("<alice@[192.0.2.1.5]>")]
    [InlineData("<alice@[192.0.2.1]x>")]
    [InlineData("<alice@[1920.0.2.1]>")]
    [InlineData("<alice@[]>")]
    [InlineData("<alice@[2001:db8::1]>")]
    [InlineData("<alice@[IPv6:192.0.2.1]>")]
    [InlineData("<alice@[IPv6:2001:db8::1%eth0]>")]
    [InlineData("<alice@[IPv6:1:2:3:4:5:6:7:8:9]>")]
    [InlineData("<alice@[IPv6:12345::1]>")]
    [InlineData("<alice@[IPv6:[::1]]>")]
    [InlineData("<alice@[IPv6:[::1]:25]>")]
    [InlineData("<alice@[IPv6: ::1]>")]
    [InlineData("<alice@[x-tag:whatever]>")]
    [InlineData("<@:alice@example.com>")]
    [InlineData("<@relay.example alice@example.com>")]
    [InlineData("<@relay.example,alice@example.com>")]
    [InlineData("<relay.example:alice@example.com>")]
    [InlineData("<@relay.example:>")]
    [InlineData("<postmaster@>")]
    [InlineData("<δοκιμή@example.com>")]
    [InlineData("<user@παράδειγμα.δοκιμή>")]
    [InlineData("<\"δοκιμή\"@example.com>")]
    public void TryParseForwardPath_Invalid_Refused(string text)
    {
        Assert.False(ParsesWhole(text), text);
    }

    [Theory]
    [InlineData("<δοκιμή@παράδειγμα.δοκιμή>")]
    [InlineData("<用户@例子.广告>")]
    [InlineData("<\"дом ой\"@example.com>")]
    [InlineData("<user@bücher.example>")]
    [InlineData("<संपर्क@डाटामेल.भारत>")]
    public void TryParseForwardPath_NonAsciiWithUtf8_AcceptedAndRequiresUtf8(string text)
    {
        Assert.True(SmtpAddressParser.TryParseForwardPath(text, utf8: true, out var path, out var consumed));
        Assert.Equal(text.Length, consumed);
        Assert.True(path.Mailbox?.RequiresUtf8);
    }

    [Theory]
    [InlineData("<δοκ\u0001ιμή@example.com>")]
    [InlineData("<user@bü_cher.example>")]
    [InlineData("<user@bücher-.example>")]
    public void TryParseForwardPath_InvalidEvenWithUtf8_Refused(string text)
    {
        Assert.False(ParsesWhole(text, utf8: true), text);
    }

    [Fact]
    public void TryParseForwardPath_QuotedLocalPartWithAtAndBracket_KeepsQuotesAndSplitsAtOuterAt()
    {
        const string text = "<\"a@b>c\"@example.com>";

        Assert.True(SmtpAddressParser.TryParseForwardPath(text, false, out var path, out var consumed));

        Assert.Equal(text.Length, consumed);
        var mailbox = Assert.IsType<SmtpMailbox>(path.Mailbox);
        Assert.Equal("\"a@b>c\"", mailbox.LocalPart);
        Assert.Equal("example.com", mailbox.Domain);
        Assert.True(mailbox.IsQuotedLocalPart);
        Assert.False(mailbox.RequiresUtf8);
    }

    [Fact]
    public void TryParseForwardPath_TrailingText_ConsumesOnlyThePath()
    {
        Assert.True(SmtpAddressParser.TryParseForwardPath("<alice@example.com> SIZE=1", false, out var path, out var consumed));

        Assert.Equal("<alice@example.com>".Length, consumed);
        Assert.Equal("<alice@example.com>", path.ToString());
    }

    [Fact]
    public void TryParseForwardPath_SourceRoute_KeptSeparateFromMailbox()
    {
        Assert.True(SmtpAddressParser.TryParseForwardPath("<@a.example,@b.example:user@example.com>", false, out var path, out _));

        Assert.Equal("@a.example,@b.example", path.SourceRoute);
        Assert.Equal("user@example.com", path.Mailbox?.ToString());
        Assert.Equal("<user@example.com>", path.ToString());
    }

    [Fact]
    public void TryParseForwardPath_AddressLiteral_DomainKeepsBrackets()
    {
        Assert.True(SmtpAddressParser.TryParseForwardPath("<user@[IPv6:2001:db8::1]>", false, out var path, out _));

        var mailbox = Assert.IsType<SmtpMailbox>(path.Mailbox);
        Assert.True(mailbox.IsAddressLiteral);
        Assert.Equal("[IPv6:2001:db8::1]", mailbox.Domain);
    }

    [Fact]
    public void TryParseForwardPath_BarePostmaster_MarkedAndHasNoMailbox()
    {
        Assert.True(SmtpAddressParser.TryParseForwardPath("<PostMaster>", false, out var path, out _));

        Assert.True(path.IsBarePostmaster);
        Assert.False(path.IsNull);
        Assert.Null(path.Mailbox);
        Assert.Equal("<postmaster>", path.ToString());
    }

    [Fact]
    public void TryParseReversePath_NullPath_AcceptedAsNull()
    {
        Assert.True(SmtpAddressParser.TryParseReversePath("<>", false, out var path, out var consumed));

        Assert.Equal(2, consumed);
        Assert.True(path.IsNull);
        Assert.Equal("<>", path.ToString());
    }

    [Theory]
    [InlineData("<postmaster>")]
    [InlineData("<alice>")]
    [InlineData("< >")]
    [InlineData("<alice@example.com.>")]
    public void TryParseReversePath_Invalid_Refused(string text)
    {
        Assert.False(SmtpAddressParser.TryParseReversePath(text, false, out _, out var consumed) && consumed == text.Length);
    }

    [Fact]
    public void TryParseForwardPath_LocalPartOf64Octets_Accepted()
    {
        Assert.True(ParsesWhole($"<{Label('a', 64)}@example.com>"));
    }

    [Fact]
    public void TryParseForwardPath_LocalPartOf65Octets_Refused()
    {
        Assert.False(ParsesWhole($"<{Label('a', 65)}@example.com>"));
    }

    [Fact]
    public void TryParseForwardPath_QuotedLocalPartOf64And65OctetsWithQuotes_AcceptedAndRefused()
    {
        Assert.True(ParsesWhole($"<\"{Label('a', 62)}\"@example.com>"));
        Assert.False(ParsesWhole($"<\"{Label('a', 63)}\"@example.com>"));
    }

    [Fact]
    public void TryParseForwardPath_Utf8LocalPart_LimitCountsOctetsNotCharacters()
    {
        // 'é' is two octets in UTF-8: 32 of them are 64 octets, 33 are 66.
        Assert.True(ParsesWhole($"<{Label('é', 32)}@example.com>", utf8: true));
        Assert.False(ParsesWhole($"<{Label('é', 33)}@example.com>", utf8: true));
    }

    [Fact]
    public void IsDomain_LabelOf63Octets_AcceptedAnd64Refused()
    {
        Assert.True(SmtpAddressParser.IsDomain($"{Label('a', 63)}.example", false));
        Assert.False(SmtpAddressParser.IsDomain($"{Label('a', 64)}.example", false));
        Assert.True(ParsesWhole($"<user@{Label('a', 63)}.example>"));
        Assert.False(ParsesWhole($"<user@{Label('a', 64)}.example>"));
    }

    [Fact]
    public void IsDomain_255Octets_AcceptedAnd256Refused()
    {
        var domain255 = string.Join('.', Label('a', 63), Label('b', 63), Label('c', 63), Label('d', 63));
        var domain256 = string.Join('.', Label('a', 63), Label('b', 63), Label('c', 63), Label('d', 62), "e");
        Assert.Equal(255, domain255.Length);
        Assert.Equal(256, domain256.Length);

        Assert.True(SmtpAddressParser.IsDomain(domain255, false));
        Assert.False(SmtpAddressParser.IsDomain(domain256, false));
        Assert.True(SmtpAddressParser.TryParseMailbox("a@" + domain255, false, out _));
        Assert.False(SmtpAddressParser.TryParseMailbox("a@" + domain256, false, out _));
    }

    [Fact]
    public void TryParseForwardPath_PathOf256Octets_AcceptedAnd257Refused()
    {
        // "<" + 64 + "@" + domain + ">": a 189-octet domain makes 256 octets.
        var domain189 = string.Join('.', Label('a', 63), Label('b', 63), Label('c', 61));
        var domain190 = string.Join('.', Label('a', 63), Label('b', 63), Label('c', 62));
        var local = Label('l', 64);

        Assert.True(ParsesWhole($"<{local}@{domain189}>"));
        Assert.False(ParsesWhole($"<{local}@{domain190}>"));
    }

    [Theory]
    [InlineData("डाटामेल.भारत")]
    [InlineData("हिन्दी.example")]
    [InlineData("ไทย.example")]
    public void IsDomain_Utf8LabelsWithCombiningMarks_AcceptedWithUtf8(string domain)
    {
        // RFC 6531 §3.3: sub-domain =/ U-label. IDNA2008 U-labels contain combining marks (Unicode Mn/Mc),
        // such as the Devanagari vowel signs in India's IDN ccTLD .भारत.
        Assert.True(SmtpAddressParser.IsDomain(domain, utf8: true), domain);
    }

    [Theory]
    [InlineData("-example.com")]
    [InlineData("example-.com")]
    [InlineData("example.-com")]
    [InlineData("example.com-")]
    [InlineData("-")]
    public void IsDomain_LabelWithLeadingOrTrailingHyphen_Refused(string domain)
    {
        Assert.False(SmtpAddressParser.IsDomain(domain, false));
    }

    [Theory]
    [InlineData("ex-ample.com")]
    [InlineData("xn--nxasmq6b.example")]
    [InlineData("a")]
    [InlineData("1.2.3.4")]
    public void IsDomain_InnerHyphensDigitsAndSingleLabels_Accepted(string domain)
    {
        Assert.True(SmtpAddressParser.IsDomain(domain, false));
    }

    [Theory]
    [InlineData("[192.0.2.1]", true)]
    [InlineData("[IPv6:2001:db8::ff00:42:8329]", true)]
    [InlineData("[ipv6:::1]", true)]
    [InlineData("[IPv6:::]", true)]
    [InlineData("192.0.2.1", false)]
    [InlineData("[192.0.2.1", false)]
    [InlineData("[+1.2.3.4]", false)]
    [InlineData("[1.2.3.-4]", false)]
    [InlineData("[0x7f.0.0.1]", false)]
    [InlineData("[IPv6:fe80::1%25eth0]", false)]
    [InlineData("[IPv6:2001:db8::1/64]", false)]
    [InlineData("[IPv6:[2001:db8::1]]", false)]
    [InlineData("[IPv6:[2001:db8::1]:25]", false)]
    public void IsAddressLiteral_Forms_MatchGrammar(string text, bool valid)
    {
        Assert.Equal(valid, SmtpAddressParser.IsAddressLiteral(text));
    }

    [Theory]
    [InlineData("\"\\ \"", true)]
    [InlineData("\"a b\"", true)]
    [InlineData("\"a\\~\"", true)]
    [InlineData("\"a\\\u0001\"", false)]
    [InlineData("\"a\u007F\"", false)]
    [InlineData("\"a\"b\"", false)]
    [InlineData("\"", false)]
    public void IsQuotedString_Forms_MatchGrammar(string text, bool valid)
    {
        Assert.Equal(valid, SmtpAddressParser.IsQuotedString(text, false));
    }
}
