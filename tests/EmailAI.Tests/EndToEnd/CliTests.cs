using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Cli;
using EmailAI.Tests.Delivery;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The <c>emailai</c> tool against a running server: provisioning as the issue's examples write it, the relay dry run,
/// the white list, DKIM, the queue tools, <c>--json</c>, and one line with a non-zero exit code for every kind of
/// failure (no server, a refused token, the server's validation text, a command line that does not parse: it names the
/// unknown word and the commands that would do, before any server is asked).
/// </summary>
public sealed class CliTests
{
    private sealed record Run(int ExitCode, string Output, string Error);

    private static async Task<Run> EmailAIWithInputAsync(ServerProcess? server, string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[] connection = server is null ? [] : ["--url", $"http://127.0.0.1:{server.AdminPort}", "--token", ServerProcess.Token];
        var code = await CliApp.RunAsync([.. connection, .. args], new StringReader(stdin), output, error);
        return new Run(code, output.ToString(), error.ToString());
    }

    private static Task<Run> EmailAIAsync(ServerProcess server, params string[] args) => EmailAIWithInputAsync(server, "", args);

    [Fact]
    public async Task Provisioning_DomainAccountRelayWhiteListDkim_AsTheExamplesWriteThem()
    {
        await using var server = await ServerProcess.StartNewAsync();

        Assert.Equal(0, (await EmailAIAsync(server, "domain", "add", "example.com")).ExitCode);
        var added = await EmailAIWithInputAsync(server, "s3cret-password\n", "account", "add", "alice@example.com", "--password-stdin");
        Assert.Equal((0, ""), (added.ExitCode, added.Error));
        Assert.Contains("address: alice@example.com", added.Output);
        using (var pop3 = await Pop3RawClient.ConnectAsync(server.Pop3Port))
        {
            Assert.StartsWith("+OK", await pop3.CommandAsync("USER alice@example.com"));
            Assert.StartsWith("+OK", await pop3.CommandAsync("PASS s3cret-password"));
        }

        // A password change, or add on an existing account, keeps what it does not name (PUT alone would reset them).
        using (var quota = await server.Admin.PutAsync("/api/v1/accounts/alice@example.com", ServerProcess.Json("""{"quotaBytes":5000000,"unlistedSenders":"quarantine"}""")))
        {
            quota.EnsureSuccessStatusCode();
        }

        Assert.Equal(0, (await EmailAIWithInputAsync(server, "n3w-password\n", "account", "passwd", "alice@example.com")).ExitCode);
        using (var pop3 = await Pop3RawClient.ConnectAsync(server.Pop3Port))
        {
            Assert.StartsWith("+OK", await pop3.CommandAsync("USER alice@example.com"));
            Assert.StartsWith("+OK", await pop3.CommandAsync("PASS n3w-password"));
        }

        Assert.Equal(0, (await EmailAIAsync(server, "account", "add", "alice@example.com", "--forward", "10.0.0.5:2525")).ExitCode);
        var kept = await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/accounts/alice@example.com");
        Assert.Equal((5000000L, "quarantine", "forward"), (kept.GetProperty("quotaBytes").GetInt64(), kept.GetProperty("unlistedSenders").GetString(), kept.GetProperty("delivery").GetProperty("mode").GetString()));
        var nobody = await EmailAIWithInputAsync(server, "pw-for-nobody\n", "account", "passwd", "nobody@example.com");
        Assert.Equal(CliApp.Refused, nobody.ExitCode);
        Assert.Contains("does not exist", nobody.Error);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Admin.GetAsync("/api/v1/accounts/nobody@example.com")).StatusCode);
        var list = await EmailAIAsync(server, "account", "list");
        Assert.Contains("alice@example.com", list.Output);
        var json = await EmailAIAsync(server, "domain", "list", "--json");
        Assert.Equal("example.com", JsonDocument.Parse(json.Output).RootElement[0].GetProperty("name").GetString());

        Assert.Equal((0, "allowed: 192.168.1.%\n"), ((await EmailAIAsync(server, "relay", "allow", "192.168.1.%")) is var allow ? (allow.ExitCode, allow.Output.ReplaceLineEndings("\n")) : default));
        Assert.Equal("unchanged\n", (await EmailAIAsync(server, "relay", "allow", "192.168.1.%")).Output.ReplaceLineEndings("\n"));
        var relay = await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay");
        Assert.Equal(["192.168.1.%"], relay.GetProperty("authorisedIps").EnumerateArray().Select(e => e.GetString()));

        var allowed = await EmailAIAsync(server, "relay", "check", "192.168.1.7", "--to", "bob@example.org", "--json");
        Assert.True(JsonDocument.Parse(allowed.Output).RootElement.GetProperty("relay").GetProperty("authorised").GetBoolean());
        var refused = await EmailAIAsync(server, "relay", "check", "192.168.1.300", "--to", "bob@example.org");
        Assert.Equal((CliApp.Refused, ""), (refused.ExitCode, refused.Output));
        Assert.StartsWith("emailai: 400 Bad Request: ", refused.Error);
        Assert.Contains("192.168.1.300", refused.Error);
        Assert.Single(refused.Error.TrimEnd('\n').Split('\n'));

        var badEntry = await EmailAIAsync(server, "relay", "allow", "192.168.1.300");
        Assert.Equal(CliApp.Refused, badEntry.ExitCode);
        Assert.Contains("192.168.1.300", badEntry.Error);
        Assert.Equal(0, (await EmailAIAsync(server, "relay", "deny", "192.168.1.%")).ExitCode);
        Assert.Equal(CliApp.Refused, (await EmailAIAsync(server, "relay", "deny", "10.0.0.1")).ExitCode);

        Assert.Equal(0, (await EmailAIAsync(server, "whitelist", "add", "alice@example.com", "friend@example.org")).ExitCode);
        Assert.Contains("friend@example.org", (await EmailAIAsync(server, "whitelist", "list", "alice@example.com")).Output);
        Assert.Equal(0, (await EmailAIAsync(server, "whitelist", "delete", "alice@example.com", "friend@example.org")).ExitCode);
        Assert.Equal("(none)", (await EmailAIAsync(server, "whitelist", "list", "alice@example.com")).Output.Trim());

        var dkim = await EmailAIAsync(server, "dkim", "create", "example.com");
        Assert.Equal(0, dkim.ExitCode);
        Assert.Contains("Publish this TXT record at emailai1._domainkey.example.com:", dkim.Output);
        Assert.Contains("v=DKIM1; k=rsa; p=", dkim.Output);
        Assert.Contains("k=ed25519", (await EmailAIAsync(server, "dkim", "create", "example.com", "--selector", "ed1", "--algorithm", "ed25519-sha256")).Output);

        var taken = await EmailAIAsync(server, "domain", "delete", "example.com");
        Assert.Equal(CliApp.Refused, taken.ExitCode);
        Assert.StartsWith("emailai: 409 Conflict: ", taken.Error);
    }

    [Fact]
    public async Task Queue_ListHoldReleaseRetryDelete_ThroughTheTool()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = _ => "451 4.7.1 Greylisted" });
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Delivery:Routes:*"] = $"127.0.0.1:{sink.Port}",
            ["EmailAI:Delivery:MinimalBackoff"] = "01:00:00",
            ["EmailAI:Delivery:QueueScanInterval"] = "00:00:01",
        });
        Assert.Equal(0, (await EmailAIAsync(server, "relay", "allow", "127.0.0.1")).ExitCode);
        string queueId;
        using (var client = await SmtpConversation.ConnectAsync(server))
        {
            var reply = await SmtpConversation.TransactAsync(client, "sender@remote.example", ["a@far.example"], Encoding.ASCII.GetBytes("Subject: via cli\r\n\r\nbody\r\n.\r\n"));
            queueId = reply.Trim()["250 2.0.0 OK queued as ".Length..];
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await EmailAIAsync(server, "queue", "list", "--state", "deferred")).Output.Contains(queueId, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "never deferred");
            await Task.Delay(200);
        }

        Assert.Contains("451 4.7.1 Greylisted", (await EmailAIAsync(server, "queue", "destinations")).Output);
        Assert.Contains("Greylisted", (await EmailAIAsync(server, "queue", "show", queueId)).Output);
        Assert.Contains("Subject: via cli", (await EmailAIAsync(server, "queue", "content", queueId)).Output);

        Assert.Equal($"hold queue id {queueId}: 1 matched, 1 changed", (await EmailAIAsync(server, "queue", "hold", queueId)).Output.Trim());
        await server.AssertLogSaysAsync("by admin " + Environment.UserName + "@");
        sink.Options.RcptReply = null;
        Assert.Equal("retry all: 1 matched, 0 changed", (await EmailAIAsync(server, "queue", "retry", "--all")).Output.Trim());
        Assert.Equal("release destination=far.example: 1 matched, 1 changed", (await EmailAIAsync(server, "queue", "release", "--destination", "far.example")).Output.Trim());
        Assert.Single(await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        // The sink has the message before the gateway has removed the row: wait for the queue to forget it.
        deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await EmailAIAsync(server, "queue", "show", queueId)).ExitCode == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "delivered row never left the queue");
            await Task.Delay(100);
        }

        var ambiguous = await EmailAIAsync(server, "queue", "delete");
        Assert.Equal(CliApp.Usage, ambiguous.ExitCode);
        Assert.Contains("needs a queue id, or filters, or --all", ambiguous.Error);
        Assert.Equal(CliApp.Usage, (await EmailAIAsync(server, "queue", "delete", queueId, "--all")).ExitCode);
        var gone = await EmailAIAsync(server, "queue", "delete", queueId);
        Assert.Equal(CliApp.Refused, gone.ExitCode);
        Assert.Contains("404 Not Found", gone.Error);
    }

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
        var run = await EmailAIWithInputAsync(null, "", [.. line.Split(' '), "--url", "http://127.0.0.1:1", "--token", "x"]);

        Assert.Equal((CliApp.Usage, expected), (run.ExitCode, run.Error.Trim()));
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Failures_OneLineAndANonZeroExitCode()
    {
        await using var server = await ServerProcess.StartNewAsync();

        var unreachable = await EmailAIWithInputAsync(null, "", "--url", $"http://127.0.0.1:{ServerProcess.FreePort()}", "--token", "x", "domain", "list");
        Assert.Equal(CliApp.Unreachable, unreachable.ExitCode);
        Assert.StartsWith("emailai: cannot reach the admin API at http://127.0.0.1:", unreachable.Error);

        var badToken = await EmailAIWithInputAsync(null, "", "--url", $"http://127.0.0.1:{server.AdminPort}", "--token", "wrong", "domain", "list");
        Assert.Equal(CliApp.Refused, badToken.ExitCode);
        Assert.StartsWith("emailai: 401 Unauthorized", badToken.Error);

        var noToken = await EmailAIWithInputAsync(null, "", "--url", $"http://127.0.0.1:{server.AdminPort}", "--data-dir", Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid()), "domain", "list");
        Assert.Equal(CliApp.Unreachable, noToken.ExitCode);
        Assert.Contains("no admin token", noToken.Error);

        // The token file of the server's data directory, as a user on the server's machine would use it.
        var tokenDir = Directory.CreateTempSubdirectory("emailai-cli-");
        await File.WriteAllTextAsync(Path.Combine(tokenDir.FullName, "admin-token"), ServerProcess.Token + "\n");
        Assert.Equal(0, (await EmailAIWithInputAsync(null, "", "--url", $"http://127.0.0.1:{server.AdminPort}", "--data-dir", tokenDir.FullName, "domain", "list")).ExitCode);

        var invalid = await EmailAIAsync(server, "domain", "add", "bad..domain");
        Assert.Equal(CliApp.Refused, invalid.ExitCode);
        Assert.StartsWith("emailai: 400 Bad Request: ", invalid.Error);
        Assert.Single(invalid.Error.TrimEnd('\n').Split('\n'));

        // A mistyped address fails before the password is read; an existing account without one on standard input is a usage error.
        var missing = await EmailAIWithInputAsync(server, "", "account", "passwd", "alice@example.com");
        Assert.Equal(CliApp.Refused, missing.ExitCode);
        Assert.StartsWith("emailai: 404 Not Found: account 'alice@example.com' does not exist", missing.Error);
        await server.ProvisionAsync("alice@example.com");
        var noPassword = await EmailAIWithInputAsync(server, "", "account", "passwd", "alice@example.com");
        Assert.Equal((CliApp.Usage, "emailai: no password on standard input"), (noPassword.ExitCode, noPassword.Error.Trim()));

        var unknown = await EmailAIAsync(server, "domain", "frobnicate");
        Assert.Equal(CliApp.Usage, unknown.ExitCode);
        Assert.StartsWith("emailai domain: unknown command 'frobnicate' (commands: list, add, show, delete;", unknown.Error);
        Assert.Equal(CliApp.Usage, (await EmailAIAsync(server, "--url", "ftp://x", "domain", "list")).ExitCode);
    }

    /// <summary>The built tool as a process, as a script runs it: environment variables, exit codes, standard error.</summary>
    [Fact]
    public async Task BuiltTool_AsAProcess_EnvironmentVariablesAndExitCodes()
    {
        await using var server = await ServerProcess.StartNewAsync();
        var tool = Path.Combine(AppContext.BaseDirectory, "emailai.dll");

        async Task<Run> RunAsync(string token, params string[] args)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(tool);
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["EMAILAI_URL"] = $"http://127.0.0.1:{server.AdminPort}";
            info.Environment["EMAILAI_TOKEN"] = token;
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return new Run(process.ExitCode, await output, await error);
        }

        var ok = await RunAsync(ServerProcess.Token, "domain", "add", "example.net", "--forward", "10.0.0.5:2525");
        Assert.Equal((0, ""), (ok.ExitCode, ok.Error));
        var domain = await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/example.net");
        Assert.Equal(("forward", "10.0.0.5", 2525), (domain.GetProperty("delivery").GetProperty("mode").GetString(), domain.GetProperty("delivery").GetProperty("host").GetString(), domain.GetProperty("delivery").GetProperty("port").GetInt32()));

        var refused = await RunAsync("wrong-token", "domain", "list");
        Assert.Equal(CliApp.Refused, refused.ExitCode);
        Assert.Equal("", refused.Output);
        Assert.StartsWith("emailai: 401 Unauthorized", refused.Error);

        var help = await RunAsync(ServerProcess.Token, "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("quarantine", help.Output);
    }
}
