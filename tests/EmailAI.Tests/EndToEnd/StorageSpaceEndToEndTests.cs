using System.Net;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// Issue 12, "a full disk": today's 451 4.3.0 becomes 452 4.3.1 Insufficient system storage, and a gateway short of
/// space says so before the database fails — MAIL is refused and /readyz turns 503, so a load balancer moves
/// traffic elsewhere. The full disk is the database's size cap (EmailAI:Storage:MaxDatabaseBytes, SQLite's
/// max_page_count), which fails exactly as a full file system does (SQLITE_FULL); the low-space state is a threshold
/// over what any disk has free.
/// </summary>
public sealed class StorageSpaceEndToEndTests
{
    [Fact]
    public async Task Data_StoreFull_Answers452With431AndNothingStored()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Storage:MaxDatabaseBytes"] = (4 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await server.ProvisionAsync("alice@full.test");

        using var client = await RawSmtpClient.ConnectAsync(server.SmtpPort);
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<bob@remote.test>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<alice@full.test>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        var line = new string('x', 900) + "\r\n";
        var body = new StringBuilder("Subject: big\r\n\r\n");
        while (body.Length < 6 * 1024 * 1024)
        {
            body.Append(line);
        }

        await client.SendAsync(body.Append(".\r\n").ToString());
        var reply = await client.ReadReplyAsync();
        Assert.StartsWith("452 4.3.1 ", reply);

        // Nothing half-stored, and a message that fits still goes through on the same connection.
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<bob@remote.test>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<alice@full.test>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        Assert.StartsWith("250", await client.CommandAsync("Subject: small\r\n\r\nfits\r\n."));
        var list = await server.Admin.GetStringAsync("/api/v1/accounts/alice@full.test/messages");
        Assert.Contains("\"uid\"", list);
        Assert.Single(System.Text.Json.JsonDocument.Parse(list).RootElement.EnumerateArray());
    }

    [Fact]
    public async Task Mail_FreeSpaceUnderThreshold_Answers452AndReadyzIsNotReady()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            // More than any test machine has free: the gateway is "short of space" from the start.
            ["EmailAI:Storage:MinimumFreeBytes"] = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await server.ProvisionAsync("alice@low.test");

        using var ready = await server.Admin.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("insufficient storage", await ready.Content.ReadAsStringAsync());

        using var client = await RawSmtpClient.ConnectAsync(server.SmtpPort);
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        for (var i = 0; i < 3; i++)
        {
            // Our trouble, not the client's: it never counts toward the error limit.
            Assert.StartsWith("452 4.3.1 ", await client.CommandAsync("MAIL FROM:<bob@remote.test>"));
        }

        Assert.StartsWith("250", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Readyz_EnoughFreeSpace_Ready()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Storage:MinimumFreeBytes"] = "1",
        });
        using var ready = await server.Admin.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
