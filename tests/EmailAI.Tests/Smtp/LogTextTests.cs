using EmailAI.Protocols.Common;

namespace EmailAI.Tests.Smtp;

/// <summary>Client values written to the log: no terminal escape, forged line or invisible override survives.</summary>
public sealed class LogTextTests
{
    [Theory]
    [InlineData("\u001b[2J\u001b[31mFAKE", "\\x1B[2J\\x1B[31mFAKE")]
    [InlineData("a\0b", "a\\x00b")]
    [InlineData("line\r\n2025-01-01 info: forged", "line\\x0D\\x0A2025-01-01 info: forged")]
    [InlineData("del\u007f", "del\\x7F")]
    [InlineData("csi\u009b31m nel\u0085", "csi\\x9B31m nel\\x85")]
    [InlineData("tab\there", "tab\\x09here")]
    [InlineData("rtl\u202Egnp.exe", "rtl\\u202Egnp.exe")]
    [InlineData("ls\u2028ps\u2029", "ls\\u2028ps\\u2029")]
    [InlineData("back\\x1B", "back\\\\x1B")]
    public void Escape_HostileInput_ControlsAndInvisiblesWrittenAsEscapes(string value, string expected)
    {
        var escaped = LogText.Escape(value);

        Assert.Equal(expected, escaped);
        Assert.DoesNotContain(escaped, c => char.IsControl(c));
    }

    [Theory]
    [InlineData("client.example.net")]
    [InlineData("<пользователь@example.com>")]
    [InlineData("Grüße 😀 日本語")]
    [InlineData("[IPv6:2001:db8::1]")]
    public void Escape_PrintableText_Unchanged(string value)
    {
        Assert.Same(value, LogText.Escape(value));
    }

    [Fact]
    public void Escape_LoneSurrogate_WrittenAsEscape()
    {
        // Not theory data: xunit would replace the lone surrogate before the test saw it.
        Assert.Equal("lone\\uD800 \\uDC00", LogText.Escape("lone\uD800 \uDC00"));
    }

    [Fact]
    public void Escape_Null_Empty()
    {
        Assert.Equal("", LogText.Escape(null));
    }

    [Fact]
    public void Escape_LongerThanMaxLength_CutWithEllipsis()
    {
        var escaped = LogText.Escape(new string('a', LogText.MaxLength) + "b");

        Assert.Equal(new string('a', LogText.MaxLength) + "…", escaped);
        Assert.Equal(new string('a', LogText.MaxLength), LogText.Escape(new string('a', LogText.MaxLength)));
    }
}
