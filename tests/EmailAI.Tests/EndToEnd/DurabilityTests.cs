using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The durability contract (DESIGN.md): 250 after DATA means committed to storage that survives kill -9;
/// a crash before 250 may lose the message but never leaves half of it.
/// </summary>
public sealed class DurabilityTests
{
    private const string Alice = "alice@durable.test";

    [Fact]
    public async Task Restart_AfterDelivery_MessageStillThere()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await server.ProvisionAsync(Alice);
        using (var client = await RawSmtpClient.ConnectAsync(server.SmtpPort))
        {
            Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
            Assert.StartsWith("250", await SendMessageAsync(client, "<restart-1@test>"));
        }

        await server.StopAsync();
        await server.StartAsync();

        var ids = await ReadMessageIdsAsync(server);
        Assert.Equal(["<restart-1@test>"], ids);
    }

    [Fact]
    public async Task KillDashNine_UnderLoad_EveryAcknowledgedMessageSurvivesWhole()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await server.ProvisionAsync(Alice);

        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 8).Select(n => Task.Run(async () =>
        {
            try
            {
                using var client = await RawSmtpClient.ConnectAsync(server.SmtpPort);
                await client.CommandAsync("EHLO load.test");
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var id = $"<kill-{n}-{i}@test>";
                    if ((await SendMessageAsync(client, id)).StartsWith("250", StringComparison.Ordinal))
                    {
                        acknowledged.Add(id);
                    }
                }
            }
            catch (IOException)
            {
                // The server died under us: expected.
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
        })).ToArray();

        // Kill while all eight senders are mid-conversation, some inside DATA.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (acknowledged.Count < 300 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        server.Kill();
        stop.Cancel();
        await Task.WhenAll(senders);
        Assert.True(acknowledged.Count >= 300, $"only {acknowledged.Count} messages were acknowledged before the kill");

        await server.StartAsync();
        var stored = await ReadMessageIdsAsync(server);
        var missing = acknowledged.Except(stored).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged messages lost, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.Equal(stored.Count, stored.Distinct().Count());
    }

    [Fact]
    public async Task KillDashNine_MidData_NothingHalfStored()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await server.ProvisionAsync(Alice);
        using (var client = await RawSmtpClient.ConnectAsync(server.SmtpPort))
        {
            await client.CommandAsync("EHLO client.test");
            Assert.StartsWith("250", await SendMessageAsync(client, "<complete@test>"));
            await client.CommandAsync("MAIL FROM:<bob@remote.test>");
            await client.CommandAsync($"RCPT TO:<{Alice}>");
            Assert.StartsWith("354", await client.CommandAsync("DATA"));
            await client.SendAsync("Message-ID: <partial@test>\r\nSubject: half\r\n\r\n" + new string('x', 500) + "\r\n");
            // A NOOP round trip on another connection proves the server has read the partial data.
            using var probe = await RawSmtpClient.ConnectAsync(server.SmtpPort);
            Assert.StartsWith("250", await probe.CommandAsync("NOOP"));
            server.Kill();
        }

        await server.StartAsync();
        Assert.Equal(["<complete@test>"], await ReadMessageIdsAsync(server));
    }

    [Fact]
    public async Task ClientDisconnect_MidData_NothingStored()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await server.ProvisionAsync(Alice);
        using (var client = await RawSmtpClient.ConnectAsync(server.SmtpPort))
        {
            await client.CommandAsync("EHLO client.test");
            await client.CommandAsync("MAIL FROM:<bob@remote.test>");
            await client.CommandAsync($"RCPT TO:<{Alice}>");
            Assert.StartsWith("354", await client.CommandAsync("DATA"));
            await client.SendAsync("Message-ID: <vanished@test>\r\n\r\nno end\r\n");
        }

        // A later complete message is stored; the vanished one never is.
        using (var client = await RawSmtpClient.ConnectAsync(server.SmtpPort))
        {
            await client.CommandAsync("EHLO client.test");
            Assert.StartsWith("250", await SendMessageAsync(client, "<after@test>"));
        }

        Assert.Equal(["<after@test>"], await ReadMessageIdsAsync(server));
    }

    /// <summary>One MAIL/RCPT/DATA transaction; returns the reply to the final dot.</summary>
    private static async Task<string> SendMessageAsync(RawSmtpClient client, string messageId)
    {
        await client.CommandAsync("MAIL FROM:<bob@remote.test>");
        await client.CommandAsync($"RCPT TO:<{Alice}>");
        await client.CommandAsync("DATA");
        var body = new StringBuilder();
        body.Append("Message-ID: ").Append(messageId).Append("\r\nSubject: durability\r\n\r\n");
        for (var i = 0; i < 100; i++)
        {
            body.Append("line ").Append(i).Append(' ').Append('x', 60).Append("\r\n");
        }

        body.Append("END-OF-MESSAGE\r\n.\r\n");
        await client.SendAsync(body.ToString());
        return await client.ReadReplyAsync();
    }

    /// <summary>Message-IDs of every message in Alice's maildrop; asserts each one is complete.</summary>
    private static async Task<List<string>> ReadMessageIdsAsync(ServerProcess server)
    {
        var entries = await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{Alice}/messages");
        var ids = new List<string>();
        foreach (var entry in entries.EnumerateArray())
        {
            var uid = entry.GetProperty("uid").GetInt64();
            var content = await server.Admin.GetStringAsync($"/api/v1/accounts/{Alice}/messages/{uid}");
            Assert.EndsWith("END-OF-MESSAGE\r\n", content);
            Assert.Equal(entry.GetProperty("size").GetInt64(), Encoding.UTF8.GetByteCount(content));
            var line = content.Split("\r\n").First(l => l.StartsWith("Message-ID: ", StringComparison.Ordinal));
            ids.Add(line["Message-ID: ".Length..]);
        }

        return ids;
    }
}
