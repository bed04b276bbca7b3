using EmailAI.Cli;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// What remote servers and senders wrote reaches the admin's terminal without its escape sequences; a command line that
/// does not parse gets one line that names the unknown word and the commands that would do, before any server is asked.
/// </summary>
public sealed class CliPrintableTests
{
    [Theory]
    [InlineData("account frob", "emailai account: unknown command 'frob' (commands: list, add, passwd, show, delete; see emailai account --help)")]
    [InlineData("account", "emailai account: which one? (commands: list, add, passwd, show, delete; see emailai account --help)")]
    [InlineData("frob", "emailai: unknown command 'frob' (commands: domain, account, relay, queue, whitelist, quarantine, dkim; see emailai --help)")]
    [InlineData("--bogus domain list", "emailai domain list: unknown option '--bogus' (see emailai domain list --help)")]
    [InlineData("account show a b", "emailai account show: unexpected 'b' (see emailai account show --help)")]
    [InlineData("queue list --limit x", "emailai queue list: 'x' is not a valid value for --limit. (see emailai queue list --help)")]
    [InlineData("queue release --destination far.example --all", "emailai: queue release needs a queue id, or filters, or --all (exactly one of them)")]
    [InlineData("queue delete 06H15SJHH4N9M79Z --state held", "emailai: queue delete needs a queue id, or filters, or --all (exactly one of them)")]
    [InlineData("queue hold", "emailai: queue hold needs a queue id, or filters, or --all (exactly one of them)")]
    public async Task BadCommandLine_OneLineNamingWhatIsWrong_UsageExitNoServerCalled(string line, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CliApp.RunAsync([.. line.Split(' '), "--url", "http://127.0.0.1:1", "--token", "x"], new StringReader(""), output, error);

        Assert.Equal((CliApp.Usage, expected), (code, error.ToString().Trim()));
        Assert.Empty(output.ToString());
    }

    [Theory]
    [InlineData("451 4.3.0 \u001b[31mred", "451 4.3.0 \\x1B[31mred")]
    [InlineData("Subject: \u001b]0;PWNED\u0007 \u001b[2J", "Subject: \\x1B]0;PWNED\\x07 \\x1B[2J")]
    [InlineData("a\rb\u0085c\u202Ed", "a\\x0Db\\x85c\\x202Ed")]
    [InlineData("line one\r\nline two\n\tindented", "line one\nline two\n\tindented")]
    [InlineData("plain ünïcode text", "plain ünïcode text")]
    public void Printable_ControlCharactersShownAsEscapes(string text, string shown) => Assert.Equal(shown, CliApp.Printable(text));
}
