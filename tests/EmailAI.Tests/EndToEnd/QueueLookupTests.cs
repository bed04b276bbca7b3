using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Tests.Delivery;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// GET /api/v1/queue/{queueId}: a queued message found by the queue id its 250 reply showed, and RFC 9457
/// problem+json for one that is not queued.
/// </summary>
public sealed class QueueLookupTests
{
    [Fact]
    public async Task GetQueue_ByTheQueueIdOfThe250Reply_TheMessageWithEachRecipient()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Greeting = "421 4.3.2 Not now" });
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Delivery:Routes:*"] = $"127.0.0.1:{sink.Port}",
            ["EmailAI:Delivery:MinimalBackoff"] = "01:00:00",
        });
        using (var relay = await server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.1"]}""")))
        {
            relay.EnsureSuccessStatusCode();
        }

        string reply;
        using (var client = await SmtpConversation.ConnectAsync(server))
        {
            reply = await SmtpConversation.TransactAsync(client, "sender@remote.example", ["a@far.example", "b@far.example"], Encoding.ASCII.GetBytes("Subject: find me\r\n\r\nbody\r\n.\r\n"));
        }

        Assert.StartsWith("250 2.0.0 OK queued as ", reply);
        var queueId = reply.Trim()["250 2.0.0 OK queued as ".Length..];
        var message = await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/queue/{queueId}");

        Assert.Equal(queueId, message.GetProperty("queueId").GetString());
        Assert.Equal("sender@remote.example", message.GetProperty("sender").GetString());
        Assert.Equal(["a@far.example", "b@far.example"], message.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("recipient").GetString()));
        var byId = message.GetProperty("recipients")[0].GetProperty("id").GetInt64();
        Assert.Equal(queueId, (await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/queue/{byId}")).GetProperty("queueId").GetString());
    }

    [Theory]
    [InlineData("/api/v1/queue/06H15SJHH4N9M79Z")]
    [InlineData("/api/v1/queue/987654321")]
    public async Task GetQueue_NothingQueuedUnderThatId_404ProblemJson(string path)
    {
        await using var server = await ServerProcess.StartNewAsync();

        using var response = await server.Admin.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Equal("Not Found", problem.GetProperty("title").GetString());
        Assert.Contains(path[(path.LastIndexOf('/') + 1)..], problem.GetProperty("detail").GetString());
        Assert.True(problem.TryGetProperty("type", out _), "an RFC 9457 problem has a type");
    }
}
