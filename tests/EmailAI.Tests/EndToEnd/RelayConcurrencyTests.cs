using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EmailAI.Cli;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The relay policy's version as ETag and If-Match: a read-modify-write of the Authorised IP list (the admin page's and
/// the emailai tool's add and delete) never undoes an edit made in between — an attacker found a deleted entry come back.
/// </summary>
public sealed class RelayConcurrencyTests
{
    [Fact]
    public async Task IfMatch_StaleVersionRefused412_NothingChanged_CurrentVersionApplies()
    {
        await using var server = await ServerProcess.StartNewAsync();
        using var first = await server.Admin.GetAsync("/api/v1/relay");
        var version = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
        Assert.Equal($"\"{version}\"", first.Headers.ETag!.Tag);

        using (var put = await PutAsync(server, """{"authorisedIps":["10.0.0.%"]}""", $"\"{version}\""))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal(version + 1, (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64());
        }

        using (var stale = await PutAsync(server, """{"authorisedIps":[]}""", $"\"{version}\""))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
            Assert.Contains("read it again", (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }

        using (var bad = await PutAsync(server, """{"authorisedIps":[]}""", "12"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        var now = await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay");
        Assert.Equal(["10.0.0.%"], now.GetProperty("authorisedIps").EnumerateArray().Select(e => e.GetString()));

        // Without If-Match a PUT applies as before.
        using (var plain = await PutAsync(server, """{"authorisedIps":["10.0.0.%","127.0.0.1"]}""", null))
        {
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        }
    }

    [Fact]
    public async Task ConcurrentAllowAndDeny_ThroughTheTool_BothKept()
    {
        await using var server = await ServerProcess.StartNewAsync();
        string[] connection = ["--url", $"http://127.0.0.1:{server.AdminPort}", "--token", ServerProcess.Token];
        for (var round = 0; round < 8; round++)
        {
            Assert.Equal(0, await CliApp.RunAsync([.. connection, "relay", "allow", $"10.{round}.0.%"], TextReader.Null, TextWriter.Null, TextWriter.Null));
            var added = $"192.168.{round}.%";
            var results = await Task.WhenAll(
                CliApp.RunAsync([.. connection, "relay", "deny", $"10.{round}.0.%"], TextReader.Null, TextWriter.Null, TextWriter.Null),
                CliApp.RunAsync([.. connection, "relay", "allow", added], TextReader.Null, TextWriter.Null, TextWriter.Null));
            Assert.Equal([0, 0], results);
            var list = (await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay")).GetProperty("authorisedIps").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.DoesNotContain($"10.{round}.0.%", list);
            Assert.Contains(added, list);
        }
    }

    private static Task<HttpResponseMessage> PutAsync(ServerProcess server, string json, string? ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/api/v1/relay") { Content = ServerProcess.Json(json) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return server.Admin.SendAsync(request);
    }
}
