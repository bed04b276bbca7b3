namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The server's log answers "why was my mail refused?" (Postfix's <c>NOQUEUE: reject:</c> line is the model)
/// and shows where accepted mail went, with client values escaped so terminal escapes never reach it.
/// </summary>
public sealed class SmtpLogTests(SmtpEndToEndFixture fixture) : IClassFixture<SmtpEndToEndFixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Log_HostileEhloRelayRefusalAndDelivery_RejectAcceptAndDisconnectLinesWithEscapes()
    {
        const string ulla = "ulla@logs.smtp.test";
        await Server.ProvisionAsync(ulla);
        using var client = await RawSmtpClient.ConnectAsync(Server.SmtpPort);

        Assert.StartsWith("501 5.5.4", await client.CommandAsync("EHLO \u001b[2J\u001b[31mFAKE"));
        Assert.StartsWith("250", await client.CommandAsync("EHLO logs.e2e.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<bob@remote.test>"));
        Assert.StartsWith("554 5.7.1", await client.CommandAsync("RCPT TO:<x@elsewhere.example>"));
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{ulla}>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync("Subject: logged\r\n\r\nbody\r\n.\r\n");
        var accepted = await client.ReadReplyAsync();
        Assert.StartsWith("250 2.0.0 OK queued as ", accepted);
        Assert.StartsWith("221", await client.CommandAsync("QUIT"));
        var queueId = accepted.Split(' ')[^1];

        var log = await Server.WaitForLogAsync("disconnect from [127.0.0.1] helo=<logs.e2e.test>");

        Assert.Contains("NOQUEUE: reject: EHLO \\x1B[2J\\x1B[31mFAKE from [127.0.0.1]: 501 5.5.4", log, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', log);
        Assert.Contains("NOQUEUE: reject: RCPT TO:<x@elsewhere.example> from [127.0.0.1]: 554 5.7.1 Relay access denied; reason=", log, StringComparison.Ordinal);
        Assert.Contains(" from=<bob@remote.test> to=<x@elsewhere.example> proto=ESMTP helo=<logs.e2e.test>", log, StringComparison.Ordinal);
        Assert.Contains($"{queueId}: accepted from=<bob@remote.test> to=<{ulla}> route=", log, StringComparison.Ordinal);
        Assert.Contains("disconnect from [127.0.0.1] helo=<logs.e2e.test> commands=7 recipients=1 messages=1 errors=2", log, StringComparison.Ordinal);
    }
}
