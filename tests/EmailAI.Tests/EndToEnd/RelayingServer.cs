using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Tests.Delivery;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// A running server that relays for the loopback (the Authorised IP list holds 127.0.0.1) to one remote server, the
/// <see cref="SmtpSink"/>, for every destination: how the queue tests put mail into the outbound queue and watch it.
/// </summary>
internal static class RelayingServer
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Starts it; failed attempts are tried again after <paramref name="backoff"/>, and the queue is scanned every second.</summary>
    public static async Task<ServerProcess> StartAsync(SmtpSink sink, string backoff)
    {
        var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Delivery:Routes:*"] = $"127.0.0.1:{sink.Port}",
            ["EmailAI:Delivery:MinimalBackoff"] = backoff,
            ["EmailAI:Delivery:MaximalBackoff"] = backoff,
            ["EmailAI:Delivery:QueueScanInterval"] = "00:00:01",
        });
        using var relay = await server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.1"]}"""));
        relay.EnsureSuccessStatusCode();
        return server;
    }

    /// <summary>Relays one message from the loopback; returns the queue id of its 250 reply. <paramref name="subject"/> is the field's raw value (it may be folded).</summary>
    public static async Task<string> RelayAsync(ServerProcess server, string sender, string subject, params string[] recipients)
    {
        using var client = await SmtpConversation.ConnectAsync(server);
        var reply = await SmtpConversation.TransactAsync(client, sender, recipients, Encoding.ASCII.GetBytes($"Subject: {subject}\r\nFrom: {sender}\r\n\r\nbody\r\n.\r\n"));
        Assert.StartsWith("250 2.0.0 OK queued as ", reply);
        return reply.Trim()["250 2.0.0 OK queued as ".Length..];
    }

    /// <summary>GETs <paramref name="path"/> of the admin API until <paramref name="done"/> says so (30 s at most); returns that answer.</summary>
    public static async Task<JsonElement> WaitForAsync(ServerProcess server, string path, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var value = await server.Admin.GetFromJsonAsync<JsonElement>(path);
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} never got there: {value}");
            await Task.Delay(200);
        }
    }
}
