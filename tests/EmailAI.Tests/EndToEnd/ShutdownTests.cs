namespace EmailAI.Tests.EndToEnd;

/// <summary>SIGTERM: idle sessions are told 421 at once; a message being transferred may finish first.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_IdleSessionAndSessionInData_421ForIdleMessageInDataCompletes()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await server.ProvisionAsync("alice@shutdown.test");
        using var idle = await RawSmtpClient.ConnectAsync(server.SmtpPort);
        Assert.StartsWith("250", await idle.CommandAsync("EHLO idle.test"));
        using var sending = await RawSmtpClient.ConnectAsync(server.SmtpPort);
        await sending.CommandAsync("EHLO sending.test");
        await sending.CommandAsync("MAIL FROM:<bob@remote.test>");
        await sending.CommandAsync("RCPT TO:<alice@shutdown.test>");
        Assert.StartsWith("354", await sending.CommandAsync("DATA"));
        await sending.SendAsync("Message-ID: <in-flight@test>\r\nSubject: in flight\r\n\r\nfirst half\r\n");

        var stop = server.StopAsync();
        Assert.StartsWith("421 4.3.2", await idle.ReadReplyAsync());
        Assert.True(await idle.IsClosedByServerAsync(TimeSpan.FromSeconds(10)));

        await sending.SendAsync("second half\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", await sending.ReadReplyAsync());
        Assert.StartsWith("421 4.3.2", await sending.ReadReplyAsync());
        await stop;

        await server.StartAsync();
        var raw = await server.Admin.GetStringAsync("/api/v1/accounts/alice@shutdown.test/messages/1");
        Assert.Contains("Message-ID: <in-flight@test>\r\n", raw);
        Assert.EndsWith("first half\r\nsecond half\r\n", raw);
    }
}
