using System.Net.Http.Json;
using System.Text.Json;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Postgres;

/// <summary>
/// Two server processes on one PostgreSQL database form one Orleans cluster: what one node accepts, the
/// other serves, and the maildrop lock holds across them.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterTests(PostgresFixture fixture)
{
    private static Dictionary<string, string> ClusterSettings(string connectionString, string clusterId) => new()
    {
        ["EmailAI:Storage:Provider"] = "PostgreSql",
        ["EmailAI:Storage:ConnectionString"] = connectionString,
        ["EmailAI:Cluster:ClusterId"] = clusterId,
        ["EmailAI:Cluster:AdvertisedAddress"] = "127.0.0.1",
    };

    [Fact]
    public async Task TwoNodes_MailAcceptedOnA_CollectedOverPop3FromBAndLockedAcrossNodes()
    {
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "c" + Guid.NewGuid().ToString("N")[..8];
        await using var nodeA = await ServerProcess.StartNewAsync(ClusterSettings(connectionString, clusterId));
        await using var nodeB = await ServerProcess.StartNewAsync(ClusterSettings(connectionString, clusterId));

        // Provisioned through A, seen by B: the domain and account live in grains, not in a node.
        await nodeA.ProvisionAsync("alice@cluster.test");
        var accounts = await nodeB.Admin.GetFromJsonAsync<JsonElement>("/api/v1/accounts");
        Assert.Contains(accounts.EnumerateArray(), a => a.GetProperty("address").GetString() == "alice@cluster.test");

        await SmtpConversation.DeliverAsync(nodeA, "bob@remote.test", "alice@cluster.test", "Message-ID: <cluster-1@test>\r\nSubject: across nodes\r\n\r\nhello\r\n.\r\n");

        using var onB = await Pop3Steps.LoginAsync(nodeB, "alice@cluster.test");
        Assert.Equal((1, (await Pop3Steps.StoredAsync(nodeA, "alice@cluster.test")).Single().Size), await onB.StatAsync());
        var (status, wire) = await onB.MultiLineCommandAsync("RETR 1");
        Assert.StartsWith("+OK", status);
        Assert.Contains("Message-ID: <cluster-1@test>", System.Text.Encoding.UTF8.GetString(wire));

        // The maildrop lock is one grain in the cluster: a login through A while B holds it is refused.
        using (var onA = await Pop3RawClient.ConnectAsync(nodeA.Pop3Port))
        {
            Assert.StartsWith("-ERR [IN-USE]", await onA.TryLoginAsync("alice@cluster.test", Pop3Steps.Password));
        }
    }

    [Fact]
    public async Task TwoSilosTwoGateways_MailThroughGatewayA_CollectedThroughGatewayB()
    {
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "c" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> Silo() => new(ClusterSettings(connectionString, clusterId))
        {
            ["EmailAI:Cluster:GatewayPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        await using var silo1 = await ServerProcess.StartNewAsync(Silo(), ServerProcess.SiloDll);
        await using var silo2 = await ServerProcess.StartNewAsync(Silo(), ServerProcess.SiloDll);
        await using var gatewayA = await ServerProcess.StartNewAsync(ClusterSettings(connectionString, clusterId), ServerProcess.GatewayDll);
        await using var gatewayB = await ServerProcess.StartNewAsync(ClusterSettings(connectionString, clusterId), ServerProcess.GatewayDll);

        await gatewayA.ProvisionAsync("carol@gateways.test");
        await SmtpConversation.DeliverAsync(gatewayA, "bob@remote.test", "carol@gateways.test", "Message-ID: <gateways-1@test>\r\nSubject: via A\r\n\r\nhello\r\n.\r\n");

        using var onB = await Pop3Steps.LoginAsync(gatewayB, "carol@gateways.test");
        var (status, wire) = await onB.MultiLineCommandAsync("RETR 1");
        Assert.StartsWith("+OK", status);
        Assert.Contains("Message-ID: <gateways-1@test>", System.Text.Encoding.UTF8.GetString(wire));
        Assert.StartsWith("+OK", await onB.CommandAsync("DELE 1"));
        Assert.StartsWith("+OK", await onB.CommandAsync("QUIT"));
        Assert.Empty(await Pop3Steps.StoredAsync(gatewayA, "carol@gateways.test"));
    }

    [Fact]
    public async Task GatewayKilledHoldingPop3Lock_OtherGateway_LogsInWithinTheLease()
    {
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "c" + Guid.NewGuid().ToString("N")[..8];
        var lease = TimeSpan.FromSeconds(3);
        Dictionary<string, string> Gateway() => new(ClusterSettings(connectionString, clusterId))
        {
            ["EmailAI:Pop3:LockLease"] = lease.ToString(),
        };

        await using var silo = await ServerProcess.StartNewAsync(
            new Dictionary<string, string>(ClusterSettings(connectionString, clusterId)) { ["EmailAI:Cluster:GatewayPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ServerProcess.SiloDll);
        await using var gatewayA = await ServerProcess.StartNewAsync(Gateway(), ServerProcess.GatewayDll);
        await using var gatewayB = await ServerProcess.StartNewAsync(Gateway(), ServerProcess.GatewayDll);
        await gatewayA.ProvisionAsync("erin@lease.test");

        var holder = await Pop3Steps.LoginAsync(gatewayA, "erin@lease.test");
        using (var refused = await Pop3RawClient.ConnectAsync(gatewayB.Pop3Port))
        {
            Assert.StartsWith("-ERR [IN-USE]", await refused.TryLoginAsync("erin@lease.test", Pop3Steps.Password));
        }

        // Gateway A dies with the lock: no QUIT, no release. The lease frees the maildrop.
        var killed = System.Diagnostics.Stopwatch.StartNew();
        gatewayA.Kill();
        holder.Dispose();
        using var relogin = await Pop3Steps.LoginWhenFreeAsync(gatewayB, "erin@lease.test", lease + TimeSpan.FromSeconds(5));
        Assert.True(killed.Elapsed <= lease + TimeSpan.FromSeconds(5));
        Assert.StartsWith("+OK", await relogin.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task SiloStoppedGracefully_HandsOverTheMaildropLock_SessionKeepsItAndCommits()
    {
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "c" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> Silo() => new(ClusterSettings(connectionString, clusterId))
        {
            ["EmailAI:Cluster:GatewayPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        // A long lease, so the holder does not renew during the test: only the hand-over can keep its lock.
        await using var silo1 = await ServerProcess.StartNewAsync(Silo(), ServerProcess.SiloDll);
        await using var gateway = await ServerProcess.StartNewAsync(
            new Dictionary<string, string>(ClusterSettings(connectionString, clusterId)) { ["EmailAI:Pop3:LockLease"] = "00:05:00" },
            ServerProcess.GatewayDll);
        await gateway.ProvisionAsync("hank@handover.test");
        await SmtpConversation.DeliverAsync(gateway, "bob@remote.test", "hank@handover.test", "Message-ID: <handover-1@test>\r\nSubject: hand-over\r\n\r\nhello\r\n.\r\n");

        // The account grain activates on silo 1, the only silo; then silo 1 leaves and silo 2 takes over.
        using var holder = await Pop3Steps.LoginAsync(gateway, "hank@handover.test");
        await using var silo2 = await ServerProcess.StartNewAsync(Silo(), ServerProcess.SiloDll);
        await silo1.StopAsync();

        Assert.StartsWith("-ERR [IN-USE]", await LoginReplyWhenClusterAnswersAsync(gateway, "hank@handover.test"));
        Assert.Equal(1, (await holder.StatAsync()).Count);
        Assert.StartsWith("+OK", await holder.CommandAsync("DELE 1"));
        Assert.StartsWith("+OK", await holder.CommandAsync("QUIT"));
        Assert.Empty(await Pop3Steps.StoredAsync(gateway, "hank@handover.test"));
        using var after = await Pop3Steps.LoginAsync(gateway, "hank@handover.test");
    }

    /// <summary>The reply to a login, tried again while the gateway answers -ERR [SYS/TEMP] (cluster in flux; 30 s at most).</summary>
    private static async Task<string> LoginReplyWhenClusterAnswersAsync(ServerProcess gateway, string user)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await FirstLineWhenAsync(gateway.Pop3Port, l => l.StartsWith("+OK", StringComparison.Ordinal));
            using var client = await Pop3RawClient.ConnectAsync(gateway.Pop3Port);
            var reply = await client.TryLoginAsync(user, Pop3Steps.Password);
            if (!reply.StartsWith("-ERR [SYS/TEMP]", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return reply;
            }

            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task GatewayLosesEverySilo_NewSessions_421AndSysTemp()
    {
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "c" + Guid.NewGuid().ToString("N")[..8];
        await using var silo = await ServerProcess.StartNewAsync(
            new Dictionary<string, string>(ClusterSettings(connectionString, clusterId)) { ["EmailAI:Cluster:GatewayPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ServerProcess.SiloDll);
        await using var gateway = await ServerProcess.StartNewAsync(ClusterSettings(connectionString, clusterId), ServerProcess.GatewayDll);

        silo.Kill();
        Assert.Equal("421 4.3.0 Service not available, closing connection", await FirstLineWhenAsync(gateway.SmtpPort, l => l.StartsWith("421", StringComparison.Ordinal)));
        Assert.Equal("-ERR [SYS/TEMP] Temporary problem, try again later", await FirstLineWhenAsync(gateway.Pop3Port, l => l.StartsWith("-ERR", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task GatewayLosesEverySilo_SiloReturns_GatewayServesAgain()
    {
        var connectionString = await fixture.NewDatabaseAsync();
        var clusterId = "c" + Guid.NewGuid().ToString("N")[..8];
        await using var silo = await ServerProcess.StartNewAsync(
            new Dictionary<string, string>(ClusterSettings(connectionString, clusterId)) { ["EmailAI:Cluster:GatewayPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ServerProcess.SiloDll);
        await using var gateway = await ServerProcess.StartNewAsync(ClusterSettings(connectionString, clusterId), ServerProcess.GatewayDll);
        await gateway.ProvisionAsync("gina@recover.test");

        silo.Kill();
        await FirstLineWhenAsync(gateway.SmtpPort, l => l.StartsWith("421", StringComparison.Ordinal));

        // Nothing reaches the cluster while every session is refused; the gateway's own probe notices the
        // silo's return within a few seconds (Orleans alone would wait for its next periodic call, ~1 min).
        await silo.StartAsync();
        var back = System.Diagnostics.Stopwatch.StartNew();
        await FirstLineWhenAsync(gateway.SmtpPort, l => l.StartsWith("220", StringComparison.Ordinal));
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(10), $"served again after {back.Elapsed}");

        // Right after the return the first grain call can still fail while the client's link to the silo settles
        // (seen once in a loaded CI run): the RCPT then gets 451, which an MTA retries. It must be accepted soon.
        var settled = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var client = await SmtpConversation.ConnectAsync(gateway);
            Assert.StartsWith("250", await client.SendCommandAsync("MAIL FROM:<bob@remote.test>"));
            var rcpt = await client.SendCommandAsync("RCPT TO:<gina@recover.test>");
            if (rcpt.StartsWith("451 4.3.0", StringComparison.Ordinal) && DateTime.UtcNow < settled)
            {
                await Task.Delay(250);
                continue;
            }

            Assert.StartsWith("250", rcpt);
            Assert.StartsWith("354", await client.SendCommandAsync("DATA"));
            await client.SendAsync(System.Text.Encoding.ASCII.GetBytes("Message-ID: <recover-1@test>\r\nSubject: back\r\n\r\nhello\r\n.\r\n"));
            Assert.StartsWith("250 2.0.0", await client.NextReplyAsync());
            break;
        }

        using var pop3 = await Pop3Steps.LoginAsync(gateway, "gina@recover.test");
        Assert.Equal(1, (await pop3.StatAsync()).Count);
    }

    /// <summary>Connects again and again until the server's first line satisfies <paramref name="wanted"/> (60 s at most).</summary>
    private static async Task<string> FirstLineWhenAsync(int port, Func<string, bool> wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var tcp = new System.Net.Sockets.TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                using var reader = new StreamReader(tcp.GetStream());
                last = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? "";
                if (wanted(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                last = ex.GetType().Name;
            }

            await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException($"the first line never matched; last was '{last}'");
    }
}
