using System.Net;
using System.Net.Sockets;

namespace EmailAI.Tests.EndToEnd;

/// <summary>Node settings of DESIGN.md's interface contract that change what the SMTP listener does.</summary>
public sealed class SmtpConfigurationTests
{
    [Fact]
    public async Task SmtpEnabledFalse_SmtpPort_RefusesConnectionsWhileAdminApiWorks()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string> { ["EmailAI:Smtp:Enabled"] = "false" });

        using var tcp = new TcpClient();
        var error = await Assert.ThrowsAsync<SocketException>(() => tcp.ConnectAsync(IPAddress.Loopback, server.SmtpPort).WaitAsync(SmtpConversation.ReplyTimeout));

        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        using var response = await server.Admin.GetAsync("/api/v1/domains");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await server.ProvisionAsync("admin-still-works@disabled.example");
    }

    [Fact]
    public async Task SmtpListenAddressInvalid_Server_RefusesToStart()
    {
        var server = new ServerProcess(new Dictionary<string, string> { ["EmailAI:Smtp:ListenAddress"] = "not-an-address" });
        await using (server)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(server.StartAsync);

            Assert.Contains("ListenAddress", error.Message);
        }
    }

    [Fact]
    public async Task Startup_EachListener_AnnouncedAsWhatItIs()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string> { ["EmailAI:Pop3:ListenAddress"] = "Any" });

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!server.Log.Contains("EmailAI started as", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var log = server.Log;
        Assert.Contains($"SMTP on 127.0.0.1:{server.SmtpPort}", log);
        Assert.Contains($"POP3 on 0.0.0.0:{server.Pop3Port} and [::]:{server.Pop3Port}", log);
        Assert.Contains($"Admin API on http://127.0.0.1:{server.AdminPort}", log);
        Assert.DoesNotContain("Now listening on", log);
    }
}
