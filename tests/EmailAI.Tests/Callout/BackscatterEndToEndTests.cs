using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Tests.Delivery;
using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Relay;

namespace EmailAI.Tests.Callout;

/// <summary>
/// The backscatter finding, end to end against the real server: a forwarding domain (Advanced Delivery) took any
/// local part at RCPT, the internal server refused it later, and the bounce — 498 KB, carrying the attacker's header
/// block — went to the forged sender. Here the internal server and the victim's server are <see cref="SmtpSink"/>s
/// (the victim's reached through a static route for remote.test).
/// </summary>
public sealed class BackscatterEndToEndTests
{
    private const string Victim = "victim@remote.test";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ForgedSender_CalloutDomain_UnknownUserAndRoutingSyntaxRefusedAtRcptVictimGetsNothing()
    {
        var asked = new List<string>();
        await using var internalServer = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = address =>
            {
                lock (asked)
                {
                    asked.Add(address);
                }

                return address.StartsWith("alice@", StringComparison.Ordinal) ? null : "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown";
            },
        });
        await using var victim = await SmtpSink.StartAsync();
        await using var server = await StartAsync(victim, internalServer, verify: null);

        using (var client = await SmtpConversation.ConnectAsync(server))
        {
            Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Victim}>"));
            Assert.StartsWith("550 5.1.1", await client.SendCommandAsync("RCPT TO:<no-such-user@fwd.test>"));
            Assert.StartsWith("550 5.1.3", await client.SendCommandAsync("RCPT TO:<x%remote.test@fwd.test>"));
            Assert.StartsWith("550 5.1.3", await client.SendCommandAsync("RCPT TO:<\"x@remote.test\"@fwd.test>"));
            Assert.StartsWith("250", await client.SendCommandAsync("RCPT TO:<alice@fwd.test>"));
            Assert.StartsWith("354", await client.SendCommandAsync("DATA"));
            await client.SendAsync(HeavyMessage(16 * 1024));
            Assert.StartsWith("250 2.0.0", await client.NextReplyAsync());
        }

        var forwarded = Assert.Single(await internalServer.WaitForMessagesAsync(1, Patience));
        Assert.Equal(["alice@fwd.test"], forwarded.Recipients);
        await RelayDeliveryTests.WaitForEmptyQueueAsync(server);
        Assert.Equal(0, victim.ConnectionsAccepted);
        lock (asked)
        {
            // Routing syntax never reached the internal server; the callout and the delivery asked the rest.
            Assert.DoesNotContain(asked, a => a.Contains('%') || a.Contains("\"", StringComparison.Ordinal));
            Assert.Equal(["no-such-user@fwd.test", "alice@fwd.test", "alice@fwd.test"], asked);
        }
    }

    [Fact]
    public async Task ForgedSender_NoVerification_BounceToVictimUnder70KbDespite497KbOfHeaders()
    {
        await using var internalServer = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = _ => "550 5.1.1 User unknown" });
        await using var victim = await SmtpSink.StartAsync();
        await using var server = await StartAsync(victim, internalServer, verify: "none");

        using (var client = await SmtpConversation.ConnectAsync(server))
        {
            // verifyRecipients "none" is the old behaviour: accepted, refused later by the internal server.
            var reply = await SmtpConversation.TransactAsync(client, Victim, ["no-such-user@fwd.test"], HeavyMessage(497 * 1024));
            Assert.StartsWith("250 2.0.0", reply);
        }

        var dsn = Assert.Single(await victim.WaitForMessagesAsync(1, Patience));
        Assert.Equal("", dsn.MailFrom);
        Assert.True(dsn.Data.Length < 70_000, $"DSN of {dsn.Data.Length} octets");
        var text = Encoding.UTF8.GetString(dsn.Data);
        Assert.Contains("headers truncated", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ATTACKER BODY", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowCallout_OtherRecipientsOfTheDomainNotHeldBehindIt()
    {
        using var gate = new ManualResetEventSlim();
        var slowAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var internalServer = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = address =>
            {
                if (address.StartsWith("slow@", StringComparison.Ordinal))
                {
                    slowAsked.TrySetResult();
                    gate.Wait(Patience);
                }

                return null;
            },
        });
        await using var victim = await SmtpSink.StartAsync();
        await using var server = await StartAsync(victim, internalServer, verify: null);
        try
        {
            using var slowClient = await SmtpConversation.ConnectAsync(server);
            using var quickClient = await SmtpConversation.ConnectAsync(server);
            Assert.StartsWith("250", await slowClient.SendCommandAsync($"MAIL FROM:<{Victim}>"));
            Assert.StartsWith("250", await quickClient.SendCommandAsync($"MAIL FROM:<{Victim}>"));

            var slow = slowClient.SendCommandAsync("RCPT TO:<slow@fwd.test>");
            await slowAsked.Task.WaitAsync(Patience);
            Assert.StartsWith("250", await quickClient.SendCommandAsync("RCPT TO:<quick@fwd.test>"));
            Assert.False(slow.IsCompleted);

            gate.Set();
            Assert.StartsWith("250", await slow);
        }
        finally
        {
            gate.Set();
        }
    }

    [Fact]
    public async Task ListDomain_OnlyListedLocalPartsAndPostmasterAccepted_BadListIs400()
    {
        await using var internalServer = await SmtpSink.StartAsync();
        await using var victim = await SmtpSink.StartAsync();
        await using var server = await StartAsync(victim, internalServer, verify: "list", extra: ""","validRecipients":["Bob","carol@FWD.test"]""");

        var stored = await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/fwd.test");
        Assert.Equal("list", stored.GetProperty("delivery").GetProperty("verifyRecipients").GetString());
        Assert.Equal(["bob", "carol"], stored.GetProperty("delivery").GetProperty("validRecipients").EnumerateArray().Select(e => e.GetString()));

        using (var bad = await server.Admin.PutAsync("/api/v1/domains/fwd.test", ServerProcess.Json(
            $$$"""{"delivery":{"mode":"forward","host":"127.0.0.1","port":{{{internalServer.Port}}},"verifyRecipients":"list","validRecipients":["dave@other.test"]}}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        }

        using var client = await SmtpConversation.ConnectAsync(server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Victim}>"));
        Assert.StartsWith("250", await client.SendCommandAsync("RCPT TO:<BOB@fwd.test>"));
        Assert.StartsWith("250", await client.SendCommandAsync("RCPT TO:<carol@fwd.test>"));
        Assert.StartsWith("250", await client.SendCommandAsync("RCPT TO:<postmaster@fwd.test>"));
        Assert.StartsWith("550 5.1.1", await client.SendCommandAsync("RCPT TO:<dave@fwd.test>"));
        Assert.StartsWith("550 5.1.3", await client.SendCommandAsync("RCPT TO:<bob%remote.test@fwd.test>"));
        Assert.Equal(0, internalServer.ConnectionsAccepted);
    }

    private static async Task<ServerProcess> StartAsync(SmtpSink victim, SmtpSink internalServer, string? verify, string extra = "")
    {
        var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:ServerDomain"] = "mx.e2e.test",
            ["EmailAI:Delivery:MinimalBackoff"] = "00:00:01",
            ["EmailAI:Delivery:MaximalBackoff"] = "00:00:02",
            ["EmailAI:Delivery:QueueScanInterval"] = "00:00:01",
            ["EmailAI:Delivery:DelayWarningAfter"] = "00:00:00",
            ["EmailAI:Delivery:Routes:remote.test"] = $"127.0.0.1:{victim.Port}",
        });
        var verification = verify is null ? "" : $",\"verifyRecipients\":\"{verify}\"";
        using var response = await server.Admin.PutAsync("/api/v1/domains/fwd.test", ServerProcess.Json(
            $$$"""{"delivery":{"mode":"forward","host":"127.0.0.1","port":{{{internalServer.Port}}}{{{verification}}}{{{extra}}}}}"""));
        response.EnsureSuccessStatusCode();
        return server;
    }

    /// <summary>A message whose header block is about <paramref name="headerBytes"/> octets of attacker text, as DATA content with its end.</summary>
    private static byte[] HeavyMessage(int headerBytes)
    {
        var text = new StringBuilder("From: someone <victim@remote.test>\r\nTo: no-such-user@fwd.test\r\nSubject: backscatter\r\n");
        for (var i = 0; text.Length < headerBytes; i++)
        {
            text.Append("X-Attacker-").Append(i).Append(": ").Append('a', 100).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(text.Append("\r\nATTACKER BODY\r\n.\r\n").ToString());
    }
}
