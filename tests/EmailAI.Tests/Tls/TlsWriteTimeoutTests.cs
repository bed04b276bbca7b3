using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Tls;

/// <summary>
/// <c>EmailAI:Smtp:WriteTimeout</c> still holds once the session runs over TLS: a client that pipelines under TLS
/// and never reads is cut off (the flush through SslStream waits on the same transport back-pressure).
/// </summary>
public sealed class TlsWriteTimeoutTests
{
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task WriteTimeout_UnderTlsClientPipelinesAndNeverReads_Disconnected()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Smtp:WriteTimeout"] = WriteTimeout.ToString(),
            // The flood is HELP, a junk command: without this the junk limit would end the session first.
            ["EmailAI:Smtp:MaxJunkCommands"] = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var client = await TlsLineClient.ConnectAsync(server.SmtpPort, receiveBufferSize: 4096);
        await client.ReadReplyAsync();
        Assert.Equal("220 2.0.0 Ready to start TLS", await client.CommandAsync("STARTTLS"));
        await client.StartTlsAsync();

        // 8 MB of HELP under TLS are about 110 MB of replies, which this client never reads.
        var flood = string.Concat(Enumerable.Repeat("HELP\r\n", 1_400_000));
        await Assert.ThrowsAnyAsync<IOException>(() => client.SendAsync(flood));

        Assert.Contains("SMTP client stopped reading", await server.WaitForLogAsync("SMTP client stopped reading"), StringComparison.Ordinal);
    }
}
