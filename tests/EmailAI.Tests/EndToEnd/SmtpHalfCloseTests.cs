using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// A client that sends its whole transaction and QUIT and then half-closes (<c>shutdown(SHUT_WR)</c>, as
/// <c>nc -N</c> does) must still get every reply. Kestrel's connection-closed token fires on the FIN; when it
/// cancelled the commit and the flushes, one run in ten stored the message without sending its 250.
/// </summary>
public sealed class SmtpHalfCloseTests(SmtpEndToEndFixture fixture) : IClassFixture<SmtpEndToEndFixture>
{
    private const string Sender = "bob@remote.test";
    private const int Runs = 30;

    private ServerProcess Server => fixture.Server;

    [Theory]
    [InlineData("at-once", false)]
    [InlineData("after-greeting", true)]
    public async Task HalfClose_RightAfterTransactionAndQuit_EveryRunGets250And221AndEachMessageStoredOnce(string name, bool readGreetingFirst)
    {
        var recipient = $"hana-{name}@halfclose.smtp.test";
        await Server.ProvisionAsync(recipient);

        for (var run = 0; run < Runs; run++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, Server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout);
            var received = new StringBuilder();
            if (readGreetingFirst)
            {
                await ReadAsync(socket, received, until: "\r\n");
            }

            var wire = $"EHLO half.e2e.test\r\nMAIL FROM:<{Sender}>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n"
                + $"Subject: run {run}\r\n\r\nbody\r\n.\r\nQUIT\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(wire));
            socket.Shutdown(SocketShutdown.Send);
            await ReadAsync(socket, received, until: null);

            var transcript = received.ToString();
            Assert.True(transcript.Contains("\r\n250 2.0.0 OK queued as ", StringComparison.Ordinal), $"run {run}: no 250 after DATA in {transcript}");
            Assert.True(transcript.EndsWith("221 2.0.0 " + SmtpEndToEndFixture.ServerDomain + " closing connection\r\n", StringComparison.Ordinal), $"run {run}: no 221 in {transcript}");
        }

        Assert.Equal(Runs, (await SmtpConversation.ReadMaildropAsync(Server, recipient)).Count);
    }

    [Fact]
    public async Task HalfClose_AfterPipelinedBurstOfHelpAndQuit_EveryReplyInOrder()
    {
        // 20,000 replies (1.6 MB) are more than one batch and more than the socket buffers: the burst is answered
        // through write back-pressure after the client's FIN.
        // HELP is a junk command: a server of its own lets this session send more than MaxJunkCommands.
        const int count = 20_000;
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Smtp:MaxJunkCommands"] = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout);
        var burst = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("HELP\r\n", count)) + "QUIT\r\n");

        var sending = Task.Run(async () =>
        {
            await socket.SendAsync(burst);
            socket.Shutdown(SocketShutdown.Send);
        });
        var received = new StringBuilder();
        await ReadAsync(socket, received, until: null);
        await sending;

        var lines = received.ToString().Split("\r\n")[..^1];
        Assert.Equal(count + 2, lines.Length);
        Assert.StartsWith("220 ", lines[0]);
        Assert.All(lines[1..^1], line => Assert.StartsWith("214 2.0.0 ", line));
        Assert.StartsWith("221 2.0.0 ", lines[^1]);
    }

    /// <summary>Reads until <paramref name="until"/> has arrived, or (null) until the server closes.</summary>
    private static async Task ReadAsync(Socket socket, StringBuilder received, string? until)
    {
        using var expiry = new CancellationTokenSource(SmtpConversation.ReplyTimeout);
        var buffer = new byte[4096];
        while (until is null || !received.ToString().Contains(until, StringComparison.Ordinal))
        {
            var count = await socket.ReceiveAsync(buffer, SocketFlags.None, expiry.Token);
            if (count == 0)
            {
                return;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, count));
        }
    }
}
