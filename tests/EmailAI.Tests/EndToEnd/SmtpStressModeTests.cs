using System.Diagnostics;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// Stress mode against the real server with five slots and StressThreshold 0.6: the third open session begins under
/// stress and an idle one is shed after StressCommandTimeout (1 s) while the first two keep their 30 s.
/// </summary>
public sealed class SmtpStressModeTests
{
    [Fact]
    public async Task Connect_ThirdOfFiveSlotsWithThreshold06_ShedAfterStressCommandTimeoutOthersKept()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Smtp:MaxConnections"] = "5",
            ["EmailAI:Smtp:StressThreshold"] = "0.6",
            ["EmailAI:Smtp:StressCommandTimeout"] = "00:00:01",
            ["EmailAI:Smtp:CommandTimeout"] = "00:00:30",
        });
        using var first = await RawSmtpClient.ConnectAsync(server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout);
        using var second = await RawSmtpClient.ConnectAsync(server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout);
        var clock = Stopwatch.StartNew();
        using var third = await RawSmtpClient.ConnectAsync(server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout);

        var shed = await third.NextReplyAsync();

        Assert.StartsWith("421 4.4.2", shed);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"shed only after {clock.Elapsed}");
        Assert.True(await third.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "still open after 421");
        Assert.StartsWith("250", await first.SendCommandAsync("NOOP"));
        Assert.StartsWith("250", await second.SendCommandAsync("NOOP"));
        Assert.Contains("SMTP stress mode on: 3 of 5 connections open", await server.WaitForLogAsync("SMTP stress mode on"), StringComparison.Ordinal);
        Assert.Contains("SMTP stress mode off: 2 of 5 connections open", await server.WaitForLogAsync("SMTP stress mode off"), StringComparison.Ordinal);
    }
}
