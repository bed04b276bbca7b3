using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// <c>EmailAI:Smtp:WriteTimeout</c>: a client that pipelines commands and never reads its replies is
/// disconnected once a flush has waited that long, and its connection slot is free again.
/// </summary>
public sealed class SmtpWriteTimeoutTests
{
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task WriteTimeout_ClientPipelinesAndNeverReads_DisconnectedAndItsSlotFreed()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Smtp:WriteTimeout"] = WriteTimeout.ToString(),
            // The flood is HELP, a junk command: without this the junk limit would end the session first.
            ["EmailAI:Smtp:MaxJunkCommands"] = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EmailAI:Smtp:MaxConnectionsPerClient"] = "1",
            ["EmailAI:Smtp:ExemptLoopback"] = "false",
        });

        // A small receive window so the replies back up at once: 8 MB of HELP are about 110 MB of replies.
        using var flooder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await flooder.ConnectAsync(IPAddress.Loopback, server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout);
        var greeting = new byte[512];
        Assert.True(await flooder.ReceiveAsync(greeting, SocketFlags.None) > 0, "no greeting: the flooder holds no slot");
        var flood = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("HELP\r\n", 1_400_000)));
        var elapsed = Stopwatch.StartNew();

        using (var second = await RawSmtpClient.ConnectAsync(server.SmtpPort, readGreeting: false))
        {
            Assert.StartsWith("421 4.7.0", await second.ReadReplyAsync());
        }

        // The server stops reading while its replies wait, then drops the connection: the send fails or ends.
        using var expiry = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var cutOff = false;
        try
        {
            var sent = 0;
            while (sent < flood.Length)
            {
                sent += await flooder.SendAsync(flood.AsMemory(sent), SocketFlags.None, expiry.Token);
            }
        }
        catch (SocketException)
        {
            cutOff = true;
        }

        Assert.True(cutOff, "the server read 8 MB of commands whose replies were never read");
        Assert.True(elapsed.Elapsed >= WriteTimeout, $"cut off after {elapsed.Elapsed}, before the write timeout");
        Assert.Contains("SMTP client stopped reading", await server.WaitForLogAsync("SMTP client stopped reading"), StringComparison.Ordinal);

        // The slot is released as the session ends; allow the release a moment to land.
        string reply;
        var attempts = 0;
        do
        {
            using var next = await RawSmtpClient.ConnectAsync(server.SmtpPort, readGreeting: false);
            reply = await next.ReadReplyAsync();
        }
        while (reply.StartsWith("421", StringComparison.Ordinal) && ++attempts < 50 && await Task.Delay(100).ContinueWith(_ => true));

        Assert.StartsWith("220 ", reply);
    }
}
