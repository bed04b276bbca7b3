using EmailAI.Protocols.Pop3;

namespace EmailAI.Tests.Pop3;

/// <summary>Client values in logs (issue 9 §4): terminal escapes, NUL, CR/LF, other control characters and spaces are written as \xNN.</summary>
public sealed class Pop3LogTextTests
{
    [Theory]
    [InlineData("\u001b[2J\u001b[31mFAKE", @"\x1b[2J\x1b[31mFAKE")]
    [InlineData("a\0b", @"a\x00b")]
    [InlineData("a\rb\nc", @"a\x0db\x0ac")]
    [InlineData("del\u007f", @"del\x7f")]
    [InlineData("c1\u0085\u009b", @"c1\x85\x9b")]
    [InlineData("tab\there", @"tab\x09here")]
    [InlineData(@"back\x1bslash", @"back\\x1bslash")]
    [InlineData("line\u2028sep", @"line\u2028sep")]
    [InlineData("x from 10.0.0.1 via USER: maildrop x locked", @"x\x20from\x2010.0.0.1\x20via\x20USER:\x20maildrop\x20x\x20locked")]
    [InlineData("rtl\u202eevil", @"rtl\u202eevil")]
    public void Escape_HostileInput_ControlsWrittenAsEscapes(string value, string expected)
    {
        Assert.Equal(expected, Pop3LogText.Escape(value));
    }

    [Theory]
    [InlineData("alice@example.com")]
    [InlineData("jörg@bücher.example")]
    [InlineData("emoji😀user")]
    [InlineData("")]
    public void Escape_OrdinaryName_Unchanged(string value)
    {
        Assert.Equal(value, Pop3LogText.Escape(value));
    }

    [Fact]
    public void Escape_LoneSurrogate_WrittenAsEscape()
    {
        Assert.Equal(@"lone\ud800x", Pop3LogText.Escape("lone" + (char)0xd800 + "x"));
    }

    [Fact]
    public void Escape_Null_Empty()
    {
        Assert.Equal("", Pop3LogText.Escape(null));
    }

    [Fact]
    public void Escape_AtMaxLength_KeptWhole_OneMoreTruncated()
    {
        var atLimit = new string('a', Pop3LogText.MaxLength);

        Assert.Equal(atLimit, Pop3LogText.Escape(atLimit));
        Assert.Equal(atLimit + "…", Pop3LogText.Escape(atLimit + "b"));
    }
}
