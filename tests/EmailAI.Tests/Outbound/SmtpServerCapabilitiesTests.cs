using System.Text;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;

namespace EmailAI.Tests.Outbound;

/// <summary><see cref="SmtpServerCapabilities.FromEhlo"/>: the EHLO keywords the delivery client acts on (RFC 5321 §4.1.1.1).</summary>
public sealed class SmtpServerCapabilitiesTests
{
    [Fact]
    public void FromEhlo_TypicalReply_EveryKnownKeywordSeen()
    {
        var capabilities = Parse(
            "250-mx.remote.test greets client.test",
            "250-PIPELINING",
            "250-SIZE 35882577",
            "250-8BITMIME",
            "250-STARTTLS",
            "250-ENHANCEDSTATUSCODES",
            "250-CHUNKING",
            "250 SMTPUTF8");

        Assert.Equal(new SmtpServerCapabilities(Pipelining: true, EightBitMime: true, SmtpUtf8: true, StartTls: true, MaxSize: 35882577), capabilities);
    }

    [Fact]
    public void FromEhlo_GreetingLineOnly_NoExtensions()
    {
        Assert.Equal(SmtpServerCapabilities.None, Parse("250 mx.remote.test"));
    }

    [Theory]
    [InlineData("PIPELINING", true, false, false, false)]
    [InlineData("8BITMIME", false, true, false, false)]
    [InlineData("SMTPUTF8", false, false, true, false)]
    [InlineData("STARTTLS", false, false, false, true)]
    public void FromEhlo_OneKeyword_OnlyThatFlag(string keyword, bool pipelining, bool eightBit, bool utf8, bool startTls)
    {
        var capabilities = Parse("250-mx.remote.test", "250 " + keyword);

        Assert.Equal(new SmtpServerCapabilities(pipelining, eightBit, utf8, startTls, null), capabilities);
    }

    [Theory]
    [InlineData("pipelining")]
    [InlineData("Pipelining")]
    [InlineData("PiPeLiNiNg")]
    public void FromEhlo_KeywordInAnyCase_Recognised(string keyword)
    {
        Assert.True(Parse("250-mx", "250 " + keyword).Pipelining);
    }

    [Fact]
    public void FromEhlo_LowerCaseKeywords_AllRecognised()
    {
        var capabilities = Parse("250-mx", "250-pipelining", "250-8bitmime", "250-smtputf8", "250-starttls", "250 size 1000");

        Assert.Equal(new SmtpServerCapabilities(true, true, true, true, 1000), capabilities);
    }

    [Theory]
    [InlineData("SIZE 10240000", 10240000L)]
    [InlineData("SIZE 1", 1L)]
    [InlineData("SIZE  52428800", 52428800L)]
    [InlineData("SIZE 9223372036854775807", long.MaxValue)]
    public void FromEhlo_SizeWithLimit_MaxSizeSet(string line, long expected)
    {
        Assert.Equal(expected, Parse("250-mx", "250 " + line).MaxSize);
    }

    [Theory]
    [InlineData("SIZE")]
    [InlineData("SIZE 0")]
    [InlineData("SIZE -5")]
    [InlineData("SIZE +5")]
    [InlineData("SIZE 1e6")]
    [InlineData("SIZE lots")]
    [InlineData("SIZE 99999999999999999999")]
    public void FromEhlo_SizeWithoutPositiveNumber_NoLimit(string line)
    {
        // RFC 1870 §4: SIZE 0 or SIZE without a number announces the extension without a fixed limit.
        Assert.Null(Parse("250-mx", "250 " + line).MaxSize);
    }

    [Fact]
    public void FromEhlo_FirstLineLooksLikeAKeyword_Ignored()
    {
        // The first line is the server's name and greeting, never a keyword.
        var capabilities = Parse("250-PIPELINING", "250-STARTTLS", "250 8BITMIME");

        Assert.False(capabilities.Pipelining);
        Assert.True(capabilities.StartTls);
        Assert.True(capabilities.EightBitMime);
    }

    [Fact]
    public void FromEhlo_SingleLineThatLooksLikeAKeyword_Ignored()
    {
        Assert.Equal(SmtpServerCapabilities.None, Parse("250 STARTTLS"));
    }

    [Theory]
    [InlineData("STARTTLSX")]
    [InlineData("X-STARTTLS")]
    [InlineData("8BITMIMEX")]
    [InlineData("SIZE=1000")]
    [InlineData("AUTH PLAIN LOGIN")]
    [InlineData("")]
    [InlineData("   ")]
    public void FromEhlo_UnknownOrEmptyLine_NothingSet(string line)
    {
        Assert.Equal(SmtpServerCapabilities.None, Parse("250-mx", "250 " + line));
    }

    [Fact]
    public void FromEhlo_KeywordWithParameters_Recognised()
    {
        // Unknown parameters after a known keyword do not hide it.
        var capabilities = Parse("250-mx", "250-STARTTLS REQUIRED", "250 PIPELINING  ");

        Assert.True(capabilities.StartTls);
        Assert.True(capabilities.Pipelining);
    }

    [Fact]
    public void FromEhlo_ReplyBuiltDirectly_SameAsParsed()
    {
        var reply = new SmtpReply(250, null, ["mx", "SIZE 100", "8BITMIME"]);

        Assert.Equal(new SmtpServerCapabilities(false, true, false, false, 100), SmtpServerCapabilities.FromEhlo(reply));
    }

    /// <summary>The capabilities of the EHLO reply made of <paramref name="lines"/>, parsed as the client parses it.</summary>
    private static SmtpServerCapabilities Parse(params string[] lines)
    {
        var wire = new StringBuilder();
        foreach (var line in lines)
        {
            wire.Append(line).Append("\r\n");
        }

        var reply = Assert.Single(ReplyFeeder.ParseAll(wire.ToString(), 0));
        return SmtpServerCapabilities.FromEhlo(reply);
    }
}
