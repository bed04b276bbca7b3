using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Postgres;

/// <summary>
/// Losing a process loses no mail (DESIGN.md durability contract): under a steady SMTP load spread over two
/// gateways, a silo and then a gateway are stopped, by SIGKILL (a crash) or by SIGTERM (an orderly stop). Every message that was answered 250 must be
/// in the maildrop exactly once afterwards, and no client may ever have seen a 5xx.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FailoverTests(PostgresFixture fixture)
{
    private const string Recipient = "dora@failover.test";

    private static readonly string Body = string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 30));

    [Theory]
    [InlineData("kill -9")]
    [InlineData("SIGTERM")]
    public async Task StopSiloThenGateway_UnderLoad_EveryAcknowledgedMessageOnceAndNo5xx(string how)
    {
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "f" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> Common() => new()
        {
            ["EmailAI:Storage:Provider"] = "PostgreSql",
            ["EmailAI:Storage:ConnectionString"] = connectionString,
            ["EmailAI:Cluster:ClusterId"] = clusterId,
            ["EmailAI:Cluster:AdvertisedAddress"] = "127.0.0.1",
        };
        Dictionary<string, string> Silo() => new(Common()) { ["EmailAI:Cluster:GatewayPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) };

        await using var silo1 = await ServerProcess.StartNewAsync(Silo(), ServerProcess.SiloDll);
        await using var silo2 = await ServerProcess.StartNewAsync(Silo(), ServerProcess.SiloDll);
        await using var gatewayA = await ServerProcess.StartNewAsync(Common(), ServerProcess.GatewayDll);
        await using var gatewayB = await ServerProcess.StartNewAsync(Common(), ServerProcess.GatewayDll);
        await gatewayA.ProvisionAsync(Recipient);

        var acknowledged = new ConcurrentBag<string>();
        var permanent = new ConcurrentBag<string>();
        var slowest = new SlowestReply();
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 8)
            .Select(n => Task.Run(() => SendLoopAsync(n, n % 2 == 0 ? gatewayA : gatewayB, gatewayB, acknowledged, permanent, slowest, stop.Token)))
            .ToArray();

        await WaitForAsync(() => acknowledged.Count >= 100, "100 messages before the silo kill");
        await StopAsync(silo1, how);
        var afterSilo = acknowledged.Count;
        await WaitForAsync(() => acknowledged.Count >= afterSilo + 100, "100 more messages after the silo kill");
        await StopAsync(gatewayA, how);
        var afterGateway = acknowledged.Count;
        await WaitForAsync(() => acknowledged.Count >= afterGateway + 100, "100 more messages after the gateway kill");
        stop.Cancel();
        await Task.WhenAll(senders);

        Assert.True(permanent.IsEmpty, "clients saw permanent failures: " + string.Join(" | ", permanent.Take(5)));

        // A lost silo turns into a 4xx or a retry within the client's response timeout (10 s), never a hang.
        Assert.True(slowest.Elapsed < TimeSpan.FromSeconds(15), $"the slowest reply took {slowest.Elapsed}: {slowest.Reply}");
        var stored = await StoredMessageIdsAsync(gatewayB);
        var counts = stored.GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        var missing = acknowledged.Where(id => !counts.ContainsKey(id)).ToList();
        var duplicated = acknowledged.Where(id => counts.GetValueOrDefault(id) > 1).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged messages lost, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.True(duplicated.Count == 0, $"{duplicated.Count} acknowledged messages stored twice, e.g. {string.Join(", ", duplicated.Take(5))}");
    }

    /// <summary>
    /// Sends messages with fresh Message-IDs until stopped. A 4xx or a lost connection is what a client
    /// retries later, so that message is given up (a new one goes next); a 5xx would make a real client
    /// bounce the mail, so it is recorded as a failure of the test.
    /// </summary>
    private static async Task SendLoopAsync(int sender, ServerProcess preferred, ServerProcess fallback, ConcurrentBag<string> acknowledged, ConcurrentBag<string> permanent, SlowestReply slowest, CancellationToken stop)
    {
        var number = 0;
        var target = preferred;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var connecting = System.Diagnostics.Stopwatch.StartNew();
                using var client = await RawSmtpClient.ConnectAsync(target.SmtpPort);
                slowest.Record(connecting.Elapsed, "greeting");
                Check(await Timed(client.CommandAsync("EHLO load.test")));
                while (!stop.IsCancellationRequested)
                {
                    var id = $"<s{sender}-{number++}@failover.test>";
                    if (!Check(await Timed(client.CommandAsync("MAIL FROM:<load@remote.test>"))) || !Check(await Timed(client.CommandAsync($"RCPT TO:<{Recipient}>"))))
                    {
                        await client.CommandAsync("RSET");
                        continue;
                    }

                    if (!Check(await Timed(client.CommandAsync("DATA"))))
                    {
                        continue;
                    }

                    await client.SendAsync($"Message-ID: {id}\r\nSubject: failover\r\n\r\n{Body}END\r\n.\r\n");
                    if (Check(await Timed(client.ReadReplyAsync())))
                    {
                        acknowledged.Add(id);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or TimeoutException or Xunit.Sdk.XunitException)
            {
                // The gateway went away (or closed with 421): like a real MTA, try again, elsewhere if it is gone.
                target = ReferenceEquals(target, preferred) && ex is System.Net.Sockets.SocketException ? fallback : target;
                await Task.Delay(100, CancellationToken.None);
            }
        }

        async Task<string> Timed(Task<string> pending)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var reply = await pending;
            slowest.Record(started.Elapsed, reply);
            return reply;
        }

        bool Check(string reply)
        {
            if (reply.StartsWith('5'))
            {
                permanent.Add(reply);
            }

            if (reply.StartsWith("421", StringComparison.Ordinal))
            {
                throw new IOException("421: " + reply);
            }

            return reply.StartsWith('2') || reply.StartsWith('3');
        }
    }

    /// <summary>The longest any one reply kept a client waiting, and which reply it was.</summary>
    private sealed class SlowestReply
    {
        private readonly Lock _gate = new();

        public TimeSpan Elapsed { get; private set; }

        public string Reply { get; private set; } = "";

        public void Record(TimeSpan elapsed, string reply)
        {
            lock (_gate)
            {
                if (elapsed > Elapsed)
                {
                    (Elapsed, Reply) = (elapsed, reply);
                }
            }
        }
    }

    /// <summary>A crash (SIGKILL: nothing runs) or a graceful stop (SIGTERM: a silo hands its grains over, a gateway answers 421).</summary>
    private static async Task StopAsync(ServerProcess process, string how)
    {
        if (how == "SIGTERM")
        {
            await process.StopAsync();
        }
        else
        {
            process.Kill();
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    private static async Task<List<string>> StoredMessageIdsAsync(ServerProcess gateway)
    {
        var entries = await gateway.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{Recipient}/messages");
        var ids = new List<string>();
        foreach (var entry in entries.EnumerateArray())
        {
            var content = await gateway.Admin.GetStringAsync($"/api/v1/accounts/{Recipient}/messages/{entry.GetProperty("uid").GetInt64()}");
            Assert.EndsWith("END\r\n", content);
            ids.Add(content.Split("\r\n").First(l => l.StartsWith("Message-ID: ", StringComparison.Ordinal))["Message-ID: ".Length..]);
        }

        return ids;
    }
}
