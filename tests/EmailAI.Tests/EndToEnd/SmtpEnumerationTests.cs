using System.Diagnostics;
using System.Globalization;
using System.Net;
using Xunit.Abstractions;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// RCPT enumeration (unknown users at a local domain) from one address, measured on the real server: with the error
/// tarpit off it runs at full speed (issue 12 measured 20,084 addresses/s); with it on it slows to a crawl after the
/// soft limit, across reconnects, and the refusals past the soft limit are summed up instead of logged one line each.
/// </summary>
public sealed class SmtpEnumerationTests(ITestOutputHelper output)
{
    private const string Domain = "harvest.tarpit.test";

    /// <summary>Guesses until <paramref name="count"/> were answered, reconnecting whenever the server hangs up; the time each reply took.</summary>
    private static async Task<List<(string Reply, TimeSpan Took, int Session)>> EnumerateAsync(ServerProcess server, int count, IPAddress from)
    {
        var answers = new List<(string, TimeSpan, int)>();
        var session = 0;
        while (answers.Count < count)
        {
            using var client = await RawSmtpClient.ConnectAsync(server.SmtpPort, localAddress: from).WaitAsync(SmtpConversation.ReplyTimeout);
            session++;
            Assert.StartsWith("250", await client.SendCommandAsync("EHLO harvester.e2e.test"));
            Assert.StartsWith("250", await client.SendCommandAsync("MAIL FROM:<harvester@remote.test>"));
            while (answers.Count < count)
            {
                var clock = Stopwatch.StartNew();
                var reply = await client.SendCommandAsync($"RCPT TO:<guess{answers.Count}@{Domain}>");
                if (reply.StartsWith("421", StringComparison.Ordinal))
                {
                    break;
                }

                Assert.StartsWith("550 5.1.1", reply);
                answers.Add((reply, clock.Elapsed, session));
            }
        }

        return answers;
    }

    private void Report(string name, int addresses, TimeSpan took) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {addresses} addresses in {took.TotalSeconds:0.000} s = {addresses / took.TotalSeconds:0.0} addresses/s"));

    [Fact]
    public async Task Enumeration_FromOneAddress_FullSpeedWithoutTarpitCrawlWithItAcrossReconnects()
    {
        var from = IPAddress.Parse("127.0.0.31");
        TimeSpan untarpitted;
        await using (var open = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Smtp:SoftErrorLimit"] = "1000000",
            ["EmailAI:Smtp:MaxErrors"] = "1000000",
        }))
        {
            await open.ProvisionAsync($"real@{Domain}");
            var clock = Stopwatch.StartNew();
            await EnumerateAsync(open, 500, from);
            untarpitted = clock.Elapsed;
            Report("tarpit off (one session)", 500, untarpitted);
        }

        // Scaled down 10x from the defaults (1 s, 10 s, 10, 20) so the test takes seconds, not minutes.
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Smtp:SoftErrorLimit"] = "3",
            ["EmailAI:Smtp:ErrorSleepTime"] = "00:00:00.100",
            ["EmailAI:Smtp:MaxErrorSleepTime"] = "00:00:00.500",
            ["EmailAI:Smtp:MaxErrors"] = "10",
        });
        await server.ProvisionAsync($"real@{Domain}");
        var tarpitClock = Stopwatch.StartNew();
        var answers = await EnumerateAsync(server, 27, from);
        var tarpitted = tarpitClock.Elapsed;
        Report("tarpit on (SoftErrorLimit=3, ErrorSleepTime=0.1 s, MaxErrorSleepTime=0.5 s, MaxErrors=10)", answers.Count, tarpitted);

        // 10 answered per session (the 10th error also closes it): 3 at once, then 0.1, 0.2, 0.3, 0.4, 0.5, 0.5 s and
        // the last undelayed; the next session starts with the first's errors counted, so each of its errors waits
        // the full 0.5 s.
        Assert.Equal([10, 10, 7], answers.GroupBy(a => a.Session).Select(g => g.Count()));
        int[] firstSession = [100, 200, 300, 400, 500, 500];
        foreach (var (answer, expected) in answers.Skip(3).Take(6).Zip(firstSession))
        {
            Assert.True(answer.Took >= TimeSpan.FromMilliseconds(expected - 10), $"delayed {answer.Took}, expected {expected} ms");
        }

        var later = answers.Where(a => a.Session == 2).SkipLast(1).Concat(answers.Where(a => a.Session == 3));
        Assert.All(later, a => Assert.True(a.Took >= TimeSpan.FromMilliseconds(490), $"after a reconnect only {a.Took}"));
        Assert.True(untarpitted / 500 * 20 < tarpitted / answers.Count, "the tarpit did not slow the enumeration by 20x");

        // Logged one line each: the first session's 3 under the soft limit, and each closing 550 with its 421.
        var log = await server.WaitForLogAsync("not logged individually (past SoftErrorLimit): 7 (550=7)");
        var logged = log.Split('\n').Count(line => line.Contains("reject: RCPT TO:<guess", StringComparison.Ordinal));
        output.WriteLine($"log: {logged} refusal lines for {answers.Count} guesses");
        Assert.Equal(7, logged);
        Assert.Contains("refusals of [127.0.0.31] not logged individually (past SoftErrorLimit): 6 (550=6)", log, StringComparison.Ordinal);
        Assert.Contains("refusals of [127.0.0.31] not logged individually (past SoftErrorLimit): 9 (550=9)", log, StringComparison.Ordinal);
    }
}
