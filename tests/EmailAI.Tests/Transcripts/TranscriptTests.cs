using System.Text;
using Xunit.Sdk;

namespace EmailAI.Tests.Transcripts;

/// <summary>The replay harness itself: a transcript that does not match the server's output must fail the test.</summary>
public sealed class TranscriptTests
{
    private static readonly Transcript TwoLines = Transcript.Parse("""
        S: +OK one
        S: two
        """);

    [Fact]
    public void AssertServerOutput_SameLines_Passes()
    {
        TwoLines.AssertServerOutput("+OK one\r\ntwo\r\n"u8);
    }

    [Theory]
    [InlineData("+OK one\r\ntwo!\r\n")]
    [InlineData("+OK one\r\n")]
    [InlineData("+OK one\r\ntwo\r\nthree\r\n")]
    [InlineData("+OK one\r\ntwo")]
    [InlineData("+OK one\ntwo\r\n")]
    [InlineData("")]
    public void AssertServerOutput_DifferentMissingExtraOrBadlyEndedLine_Fails(string wire)
    {
        Assert.ThrowsAny<XunitException>(() => TwoLines.AssertServerOutput(Encoding.Latin1.GetBytes(wire)));
    }

    [Fact]
    public void AssertServerOutput_NonAsciiPattern_ComparedAsUtf8Octets()
    {
        var transcript = Transcript.Parse("S: Grüße");

        transcript.AssertServerOutput(Encoding.UTF8.GetBytes("Grüße\r\n"));
        Assert.ThrowsAny<XunitException>(() => transcript.AssertServerOutput(Encoding.Latin1.GetBytes("Grüße\r\n")));
    }

    [Theory]
    [InlineData("+OK ready <1896.697170952@pop.example.com>", true)]
    [InlineData("+OK ready <a1b2@x>", true)]
    [InlineData("+OK ready 1896.697170952@pop.example.com", false)]
    [InlineData("+OK ready <1896.697170952>", false)]
    [InlineData("+OK ready <>", false)]
    [InlineData("+OK ready <a@b> extra", false)]
    public void Matches_TimestampToken_OnlyAngleBracketedWithAt(string line, bool expected)
    {
        Assert.Equal(expected, Transcript.Matches("+OK ready {TIMESTAMP}", line));
    }

    [Fact]
    public void Parse_LineWithoutPrefix_Throws()
    {
        Assert.Throws<ArgumentException>(() => Transcript.Parse("USER alice"));
    }
}
