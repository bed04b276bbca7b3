using EmailAI.Protocols.Common;

namespace EmailAI.Tests.Pop3;

/// <summary>Client values in logs (issue 9 §4): terminal escapes, NUL, CR/LF, other control characters and spaces are written as \xNN.</summary>
public sealed class LogTextEscapeTokenTests
{
    [Theory]
    [InlineData("\u001b[2J\u001b[31mFAKE", @"\x1B[2J\x1B[31mFAKE")]
    [InlineData("a\0b", @"a\x00b")]
    [InlineData("a\rb\nc", @"a\x0Db\x0Ac")]
    [InlineData("del\u007f", @"del\x7F")]
    [InlineData("c1\u0085\u009b", @"c1\x85\x9B")]
    [InlineData("tab\there", @"tab\x09here")]
    [InlineData(@"back\x1bslash", @"back\\x1bslash")]
    [InlineData("line\u2028sep", @"line\u2028sep")]
    [InlineData("x from 10.0.0.1 via USER: maildrop x locked", @"x\x20from\x2010.0.0.1\x20via\x20USER:\x20maildrop\x20x\x20locked")]
    [InlineData("rtl\u202eevil", @"rtl\u202Eevil")]
    public void Escape_HostileInput_ControlsWrittenAsEscapes(string value, string expected)
    {
        Assert.Equal(expected, LogText.EscapeToken(value));
    }

    [Theory]
    [InlineData("alice@example.com")]
    [InlineData("jörg@bücher.example")]
    [InlineData("emoji😀user")]
    [InlineData("")]
    public void Escape_OrdinaryName_Unchanged(string value)
    {
        Assert.Equal(value, LogText.EscapeToken(value));
    }

    [Fact]
    public void Escape_LoneSurrogate_WrittenAsEscape()
    {
        Assert.Equal(@"lone\uD800x", LogText.EscapeToken("lone" + (char)0xd800 + "x"));
    }

    [Fact]
    public void Escape_Null_Empty()
    {
        Assert.Equal("", LogText.EscapeToken(null));
    }

    [Fact]
    public void Escape_AtMaxLength_KeptWhole_OneMoreTruncated()
    {
        var atLimit = new string('a', LogText.MaxLength);

        Assert.Equal(atLimit, LogText.EscapeToken(atLimit));
        Assert.Equal(atLimit + "…", LogText.EscapeToken(atLimit + "b"));
    }
}
