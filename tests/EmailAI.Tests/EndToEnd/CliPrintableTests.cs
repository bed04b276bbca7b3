using EmailAI.Cli;

namespace EmailAI.Tests.EndToEnd;

/// <summary>What remote servers and senders wrote reaches the admin's terminal without its escape sequences.</summary>
public sealed class CliPrintableTests
{
    [Theory]
    [InlineData("451 4.3.0 \u001b[31mred", "451 4.3.0 \\x1B[31mred")]
    [InlineData("Subject: \u001b]0;PWNED\u0007 \u001b[2J", "Subject: \\x1B]0;PWNED\\x07 \\x1B[2J")]
    [InlineData("a\rb\u0085c\u202Ed", "a\\x0Db\\x85c\\x202Ed")]
    [InlineData("line one\r\nline two\n\tindented", "line one\nline two\n\tindented")]
    [InlineData("plain ünïcode text", "plain ünïcode text")]
    public void Printable_ControlCharactersShownAsEscapes(string text, string shown) => Assert.Equal(shown, CliApp.Printable(text));
}
