using System.Net;
using EmailAI.Tests.Auth;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// Issue 12's connection findings against the real server: an application server on the Authorised IP list opening more
/// connections than MaxConnectionsPerClient is greeted every time (it got 421 past 50); other clients are refused past the
/// count and past the rate, with a reply that says it is their address; a POP3 NOOP loop that held a slot for ever is
/// ended without UPDATE, while a real client downloading more messages than the junk limit is not.
/// </summary>
public sealed class ConnectionExemptionTests(ConnectionExemptionFixture fixture) : IClassFixture<ConnectionExemptionFixture>
{
    private const string SmtpFromYourAddress = "421 4.7.0 Too many connections from your address, try again later";
    private const string Pop3FromYourAddress = "-ERR [SYS/TEMP] Too many connections from your address, try again later";

    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Smtp_AuthorisedClientOverPerClientAndRateLimits_EveryConnectionGreeted220()
    {
        var from = IPAddress.Parse(ConnectionExemptionFixture.AuthorisedClient);
        var clients = new List<RawSmtpClient>();
        try
        {
            for (var i = 0; i < ConnectionExemptionFixture.Rate + 4; i++)
            {
                // ConnectAsync asserts the 220 greeting.
                clients.Add(await RawSmtpClient.ConnectAsync(Server.SmtpPort, localAddress: from));
            }

            Assert.StartsWith("250", await clients[^1].CommandAsync("NOOP"));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        Assert.True(await ExemptedAsync("SMTP") >= 1);
    }

    [Fact]
    public async Task Smtp_OtherClientAtPerClientLimit_OneMoreGets421FromYourAddress()
    {
        var from = IPAddress.Parse("127.0.0.21");
        var held = new List<RawSmtpClient>();
        try
        {
            for (var i = 0; i < ConnectionExemptionFixture.PerClient; i++)
            {
                held.Add(await RawSmtpClient.ConnectAsync(Server.SmtpPort, localAddress: from));
            }

            using var over = await RawSmtpClient.ConnectAsync(Server.SmtpPort, readGreeting: false, localAddress: from);
            Assert.Equal(SmtpFromYourAddress, await over.ReadReplyAsync());
            Assert.True(await over.IsClosedByServerAsync(TimeSpan.FromSeconds(10)));

            // Another address is unaffected.
            using var other = await RawSmtpClient.ConnectAsync(Server.SmtpPort, localAddress: IPAddress.Parse("127.0.0.22"));
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }

        Assert.True(await RefusedAsync("SMTP", "per_client") >= 1);
    }

    [Fact]
    public async Task Smtp_RateAtLimit_OneMoreInTheWindowGets421FromYourAddress()
    {
        var from = IPAddress.Parse("127.0.0.23");
        for (var i = 0; i < ConnectionExemptionFixture.Rate; i++)
        {
            // One at a time, each closed: only the rate can refuse them (MaxConnectionsPerClient is 3).
            using var client = await RawSmtpClient.ConnectAsync(Server.SmtpPort, localAddress: from);
            Assert.StartsWith("221", await client.CommandAsync("QUIT"));
        }

        using var over = await RawSmtpClient.ConnectAsync(Server.SmtpPort, readGreeting: false, localAddress: from);

        Assert.Equal(SmtpFromYourAddress, await over.ReadReplyAsync());
        Assert.True(await RefusedAsync("SMTP", "rate") >= 1);
        Assert.Contains("SMTP connection from 127.0.0.23 refused: rate connection limit reached", await Server.WaitForLogAsync("from 127.0.0.23 refused"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pop3_AuthorisedClientOverPerClientLimit_EveryConnectionGreetedAndOthersRefused()
    {
        var exempt = new List<Pop3RawClient>();
        var held = new List<Pop3RawClient>();
        try
        {
            for (var i = 0; i < ConnectionExemptionFixture.PerClient + 3; i++)
            {
                // ConnectAsync asserts the +OK greeting.
                exempt.Add(await Pop3RawClient.ConnectAsync(Server.Pop3Port, IPAddress.Parse(ConnectionExemptionFixture.AuthorisedClient)));
            }

            var from = IPAddress.Parse("127.0.0.24");
            for (var i = 0; i < ConnectionExemptionFixture.PerClient; i++)
            {
                held.Add(await Pop3RawClient.ConnectAsync(Server.Pop3Port, from));
            }

            using var over = await Pop3SlowReader.ConnectAsync(Server.Pop3Port, from);
            Assert.Equal(Pop3FromYourAddress, await over.ReadLineAsync());
        }
        finally
        {
            exempt.ForEach(c => c.Dispose());
            held.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Pop3_RateAtLimit_OneMoreInTheWindowRefused()
    {
        var from = IPAddress.Parse("127.0.0.25");
        for (var i = 0; i < ConnectionExemptionFixture.Rate; i++)
        {
            using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port, from);
            Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
        }

        using var over = await Pop3SlowReader.ConnectAsync(Server.Pop3Port, from);

        Assert.Equal(Pop3FromYourAddress, await over.ReadLineAsync());
        Assert.True(await RefusedAsync("POP3", "rate") >= 1);
    }

    /// <summary>Regression: a NOOP every few seconds held a POP3 slot and the maildrop lock for ever.</summary>
    [Fact]
    public async Task Pop3_NoopLoop_EndedAfterMaxJunkCommandsLockReleasedNothingDeleted()
    {
        const string alice = "alice@junk.limits.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("one@junk.limits.test", "one", "body"), alice);
        using var looper = await Pop3Steps.LoginAsync(Server, alice, from: IPAddress.Parse("127.0.0.26"));
        Assert.StartsWith("+OK", await looper.CommandAsync("DELE 1"));

        var answered = 0;
        string reply;
        while ((reply = await looper.CommandAsync("NOOP")) == "+OK")
        {
            answered++;
        }

        Assert.Equal(ConnectionExemptionFixture.JunkCommands, answered);
        Assert.Equal("-ERR [SYS/TEMP] Too many commands without progress, closing connection", reply);
        Assert.True(await looper.IsClosedByServerAsync(Pop3RawClient.ReplyTimeout));
        using var next = await Pop3Steps.LoginWhenFreeAsync(Server, alice, TimeSpan.FromSeconds(20));
        Assert.Equal(1, (await next.StatAsync()).Count);
        await next.QuitAsync(0);
        Assert.Contains("ended by the server: too many commands without progress", Server.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pop3_MailKitDownloadsMoreMessagesThanTheJunkLimit_NotEnded()
    {
        const string bob = "bob@download.limits.test";
        const int count = ConnectionExemptionFixture.JunkCommands + 10;
        await Server.ProvisionAsync(bob);
        using (var smtp = await SmtpConversation.ConnectAsync(Server))
        {
            for (var i = 0; i < count; i++)
            {
                var message = Pop3Steps.SmtpWire(Pop3Steps.Message($"m{i}@download.limits.test", $"message {i}", "body"));
                Assert.StartsWith("250", await SmtpConversation.TransactAsync(smtp, Pop3Steps.Sender, [bob], message, " BODY=8BITMIME"));
            }
        }

        using var client = new Pop3Client { LocalEndPoint = new IPEndPoint(IPAddress.Parse("127.0.0.27"), 0) };
        await client.ConnectAsync("127.0.0.1", Server.Pop3Port, SecureSocketOptions.None).WaitAsync(Pop3RawClient.ReplyTimeout);
        await client.AuthenticateAsync(bob, Pop3Steps.Password);
        Assert.Equal(count, client.Count);
        var uids = await client.GetMessageUidsAsync();
        for (var i = 0; i < count; i++)
        {
            await client.GetMessageSizeAsync(i);
            var message = await client.GetMessageAsync(i);
            Assert.Equal($"message {i}", message.Subject);
            await client.DeleteMessageAsync(i);
        }

        await client.DisconnectAsync(quit: true);

        Assert.Equal(count, uids.Count);
        Assert.Empty(await Pop3Steps.StoredAsync(Server, bob));
    }

    private Task<double> RefusedAsync(string protocol, string reason) =>
        CounterAsync("emailai_connections_refused_total", $"protocol=\"{protocol}\"", $"reason=\"{reason}\"");

    private Task<double> ExemptedAsync(string protocol) =>
        CounterAsync("emailai_connections_exempted_total", $"protocol=\"{protocol}\"", "reason=\"authorised_ip\"");

    /// <summary>The counter's value once it is above zero (the exporter serves a scrape cached for a moment), or 0 after 10 s.</summary>
    private async Task<double> CounterAsync(string name, params string[] labels)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var value = Metrics.Sum(await Server.Admin.GetStringAsync("/metrics"), name, labels);
            if (value > 0 || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                return value;
            }

            await Task.Delay(200);
        }
    }
}
