using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Tests.Delivery;
using static EmailAI.Tests.EndToEnd.RelayingServer;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The queue tools of issue 14 against a running server and a remote server that refuses for a while: why a message is
/// stuck (per destination and per message, with each attempt's host and reply), its header fields and raw content,
/// search filters, hold and release, retry by destination, and deletion that needs a filter — each action logged with
/// who asked.
/// </summary>
public sealed class QueueToolsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private const string Greylisted = "451 4.7.1 Greylisted, try again later";

    [Fact]
    public async Task StuckMail_DestinationSummaryAndMessageViewSayWhy_HeadersContentAndFilters()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = _ => Greylisted });
        await using var server = await StartAsync(sink, backoff: "00:00:01");
        var queueId = await RelayAsync(server, "sender@remote.example", "find me,\r\n folded", "a@far.example", "B@far.example");
        await RelayAsync(server, "other@remote.example", "near one", "c@near.example");

        var rows = await WaitForAsync(server, "/api/v1/queue?destination=far.example", q => q.GetArrayLength() == 2 && q.EnumerateArray().All(r => r.GetProperty("attempts").GetInt32() >= 2));

        var destinations = await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue/destinations");
        Assert.Equal(["far.example", "near.example"], destinations.EnumerateArray().Select(d => d.GetProperty("destination").GetString()));
        var far = destinations[0];
        Assert.Equal((1, 2, 0), (far.GetProperty("messages").GetInt32(), far.GetProperty("recipients").GetInt32(), far.GetProperty("held").GetInt32()));
        Assert.Contains("451 4.7.1 Greylisted", far.GetProperty("lastError").GetString());
        Assert.True(far.GetProperty("lastErrorAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal(JsonValueKind.String, far.GetProperty("nextAttemptAt").ValueKind);
        Assert.True(far.TryGetProperty("connections", out _));
        Assert.Equal(["near.example"], (await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue/destinations?after=far.example")).EnumerateArray().Select(d => d.GetProperty("destination").GetString()));

        var message = await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/queue/{queueId}");
        var history = message.GetProperty("recipients")[0].GetProperty("history");
        Assert.True(history.GetArrayLength() >= 2);
        Assert.Contains("127.0.0.1", history[0].GetProperty("host").GetString());
        Assert.Contains("Greylisted", history[0].GetProperty("reply").GetString());
        var headers = message.GetProperty("headers").EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("value").GetString());
        Assert.Equal("find me, folded", headers["Subject"]);
        Assert.True(headers.ContainsKey("Received"));

        Assert.Equal(queueId, (await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/queue/{queueId.ToLowerInvariant()}")).GetProperty("queueId").GetString());
        using var content = await server.Admin.GetAsync($"/api/v1/queue/{queueId}/content");
        Assert.Equal("message/rfc822", content.Content.Headers.ContentType?.MediaType);
        var text = await content.Content.ReadAsStringAsync();
        Assert.Contains("Subject: find me,\r\n folded\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\nbody\r\n", text, StringComparison.Ordinal);

        // Filters: ASCII case aside, the null sender, an age, a state; bad ones are 400 with what is wrong.
        Assert.Single((await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue?recipient=b@FAR.example")).EnumerateArray());
        Assert.Equal(3, (await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue?state=deferred")).GetArrayLength() + (await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue?state=sending")).GetArrayLength());
        Assert.Empty((await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue?sender=<>")).EnumerateArray());
        Assert.Empty((await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue?minAge=1h")).EnumerateArray());
        Assert.Single((await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue?sender=OTHER@remote.example&minAge=0s")).EnumerateArray());
        Assert.Equal(rows[1].GetProperty("id").GetInt64(), (await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/queue?after={rows[0].GetProperty("id").GetInt64()}&limit=1"))[0].GetProperty("id").GetInt64());
        foreach (var bad in new[] { "minAge=soon", "minAge=-5m", "state=stuck", "state=1", "limit=0", "after=x" })
        {
            using var response = await server.Admin.GetAsync("/api/v1/queue?" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using var missing = await server.Admin.GetAsync("/api/v1/queue/06H15SJHH4N9M79Z/content");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task HeldMessage_NeverAttemptedUntilReleased_ThenDelivered_ActionsLoggedWithTheActor()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = _ => Greylisted });
        await using var server = await StartAsync(sink, backoff: "00:00:01");
        var queueId = await RelayAsync(server, "sender@remote.example", "hold me", "a@far.example");
        await WaitForAsync(server, $"/api/v1/queue/{queueId}", m => m.GetProperty("recipients")[0].GetProperty("attempts").GetInt32() >= 1);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/queue/{queueId}/hold");
        request.Headers.Add("X-EmailAI-Actor", "alice@ops-laptop");
        using var held = await server.Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        var result = await held.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("hold", 1, 1), (result.GetProperty("action").GetString(), result.GetProperty("matched").GetInt32(), result.GetProperty("changed").GetInt32()));
        if (result.GetProperty("inFlight").GetInt32() == 1)
        {
            // Held while being sent: the hold applies after that attempt, which the greylisting sink answers at once.
            Assert.Contains("after that attempt", result.GetProperty("note").GetString());
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        var attemptsWhenHeld = (await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/queue/{queueId}")).GetProperty("recipients")[0].GetProperty("attempts").GetInt32();
        sink.Options.RcptReply = null;
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Empty(sink.Messages);
        var row = (await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/queue/{queueId}")).GetProperty("recipients")[0];
        Assert.Equal(("held", attemptsWhenHeld), (row.GetProperty("state").GetString(), row.GetProperty("attempts").GetInt32()));
        Assert.Equal(1, (await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue/destinations"))[0].GetProperty("held").GetInt32());

        using var again = await server.Admin.PostAsync($"/api/v1/queue/{queueId}/hold", null);
        Assert.Equal(0, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changed").GetInt32());

        using var released = await server.Admin.PostAsync($"/api/v1/queue/{queueId}/release", null);
        Assert.Equal(1, (await released.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changed").GetInt32());
        Assert.Single(await sink.WaitForMessagesAsync(1, Patience));
        await Relay.RelayDeliveryTests.WaitForEmptyQueueAsync(server);

        await server.AssertLogSaysAsync($"Queue hold of queue id {queueId} by admin alice@ops-laptop from 127.0.0.1: 1 matched, 1 changed");
        await server.AssertLogSaysAsync($"Queue release of queue id {queueId} by admin from");

        using var gone = await server.Admin.PostAsync($"/api/v1/queue/{queueId}/release", null);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task RetryByDestination_OnlyThatDestinationSent_DeleteNeedsAFilter_DeleteByDestination()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = _ => Greylisted });
        await using var server = await StartAsync(sink, backoff: "01:00:00");
        await RelayAsync(server, "sender@remote.example", "one", "a@far.example");
        await RelayAsync(server, "sender@remote.example", "two", "b@far.example");
        await RelayAsync(server, "sender@remote.example", "three", "c@near.example");
        await WaitForAsync(server, "/api/v1/queue?state=deferred", q => q.GetArrayLength() == 3);
        sink.Options.RcptReply = null;

        using var retry = await server.Admin.PostAsync("/api/v1/queue/retry?destination=FAR.example", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var result = await retry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, 2, "destination=far.example"), (result.GetProperty("matched").GetInt32(), result.GetProperty("changed").GetInt32(), result.GetProperty("selection").GetString()));
        Assert.Equal(2, (await sink.WaitForMessagesAsync(2, Patience)).Count);
        var left = await WaitForAsync(server, "/api/v1/queue", q => q.GetArrayLength() == 1);
        Assert.Equal(("c@near.example", "deferred"), (left[0].GetProperty("recipient").GetString(), left[0].GetProperty("state").GetString()));

        using (var everything = await server.Admin.DeleteAsync("/api/v1/queue"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, everything.StatusCode);
            Assert.Contains("all=true", (await everything.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }

        using var delete = await server.Admin.DeleteAsync("/api/v1/queue?destination=near.example");
        Assert.Equal(1, (await delete.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changed").GetInt32());
        Assert.Empty((await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue")).EnumerateArray());
        Assert.Empty((await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue/destinations")).EnumerateArray());
        Assert.Equal(2, sink.Messages.Count);
        await server.AssertLogSaysAsync("Queue delete of destination=near.example by admin from 127.0.0.1: 1 matched, 1 changed, 0 being sent");
    }
}
