using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Location;

/// <summary>
/// Steps shared by the IP location blocking tests (issue 11): SMTP sessions from a chosen client address, the
/// cluster-wide policy through <c>/api/v1/relay</c>, the dry run <c>/api/v1/relay/check</c>, and the evidence a
/// block leaves (log line, Prometheus counter). Every wait is bounded.
/// </summary>
public static class LocationSteps
{
    /// <summary>The refusal text the tests configure; the 550 line must carry it verbatim.</summary>
    public const string Message = "We do not accept mail from your network. Contact us at https://example.com/contact";

    /// <summary>The line a blocked client gets at RCPT (and every later RCPT and MAIL of the session).</summary>
    public const string BlockedLine = "550 5.7.1 " + Message;

    /// <summary>A PUT /api/v1/relay body that sets every location field and an empty Authorised IP list.</summary>
    public static string Policy(
        string[]? blockedCountries = null,
        string[]? allowedCountries = null,
        string[]? blockedRanges = null,
        bool blockUnknown = false,
        string[]? authorisedIps = null) =>
        JsonSerializer.Serialize(new
        {
            authorisedIps = authorisedIps ?? [],
            ipLocationBlocking = new
            {
                blockedCountries = blockedCountries ?? [],
                allowedCountries = allowedCountries ?? [],
                blockedRanges = blockedRanges ?? [],
                blockUnknown,
                message = Message,
            },
        });

    /// <summary>PUT /api/v1/relay; asserts 200 and returns the body.</summary>
    public static async Task<JsonElement> PutRelayAsync(this ServerProcess server, string body)
    {
        using var response = await server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PUT /api/v1/relay {body}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Nothing blocked, nothing authorised: the state each policy test starts from.</summary>
    public static Task<JsonElement> ResetPolicyAsync(this ServerProcess server) => server.PutRelayAsync(Policy());

    public static async Task<JsonElement> GetRelayAsync(this ServerProcess server) =>
        await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay");

    /// <summary>The dry run; asserts 200 and returns the verdict.</summary>
    public static async Task<JsonElement> CheckAsync(this ServerProcess server, string query)
    {
        using var response = await server.Admin.GetAsync("/api/v1/relay/check?" + query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /api/v1/relay/check?{query}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Connects from <paramref name="from"/>, checks the 220 greeting and says EHLO (250).</summary>
    public static async Task<RawSmtpClient> ConnectFromAsync(this ServerProcess server, IPAddress from, int? port = null)
    {
        var client = await RawSmtpClient.ConnectAsync(port ?? server.SmtpPort, localAddress: from).WaitAsync(SmtpConversation.ReplyTimeout);
        Assert.StartsWith("250", await client.SendCommandAsync("EHLO client.location.test"));
        return client;
    }

    /// <summary>The reply to the first RCPT of a fresh session from <paramref name="from"/> (MAIL must get 250).</summary>
    public static async Task<string> FirstRcptAsync(this ServerProcess server, IPAddress from, string recipient)
    {
        using var client = await server.ConnectFromAsync(from);
        Assert.StartsWith("250", await client.SendCommandAsync("MAIL FROM:<sender@far.example>"));
        var reply = await client.SendCommandAsync($"RCPT TO:<{recipient}>");
        await client.SendCommandAsync("QUIT");
        return reply;
    }

    /// <summary>Asserts an RFC 9457 problem with <paramref name="expected"/> whose detail names <paramref name="named"/> (case-insensitive).</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string? named = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        if (named is not null)
        {
            var detail = problem.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
            Assert.True(detail.Contains(named, StringComparison.OrdinalIgnoreCase), $"detail does not name '{named}': {text}");
        }
    }

    /// <summary>
    /// Sum of the <c>emailai_smtp_location_blocked_total</c> samples labelled <c>country="<paramref name="country"/>"</c>
    /// in GET /metrics (no token); 0 when there is none yet.
    /// </summary>
    public static async Task<double> BlockedCountAsync(this ServerProcess server, string country)
    {
        using var anonymous = new HttpClient { BaseAddress = server.Admin.BaseAddress };
        var text = await anonymous.GetStringAsync("/metrics");
        var total = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("emailai_smtp_location_blocked_total{", StringComparison.Ordinal) || !line.Contains($"country=\"{country}\"", StringComparison.Ordinal))
            {
                continue;
            }

            var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
            total += double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return total;
    }

    /// <summary>Polls <paramref name="probe"/> until it returns true or <paramref name="within"/> has passed; returns the last result.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> probe, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await probe())
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits (at most <see cref="SmtpConversation.ReplyTimeout"/>) for a log line containing every one of <paramref name="parts"/>; returns it or null.</summary>
    public static async Task<string?> WaitForLogLineAsync(this ServerProcess server, params string[] parts)
    {
        string? found = null;
        await EventuallyAsync(
            () =>
            {
                found = server.Log.Split('\n').FirstOrDefault(line => parts.All(p => line.Contains(p, StringComparison.Ordinal)));
                return Task.FromResult(found is not null);
            },
            SmtpConversation.ReplyTimeout);
        return found;
    }

    /// <summary>The Received field of a stored message, unfolded to one line.</summary>
    public static string ReceivedField(byte[] stored)
    {
        var lines = SmtpConversation.Headers(stored).Split("\r\n");
        var start = Array.FindIndex(lines, l => l.StartsWith("Received:", StringComparison.OrdinalIgnoreCase));
        Assert.True(start >= 0, "no Received field in the stored message");
        var field = lines[start];
        for (var i = start + 1; i < lines.Length && lines[i].Length > 0 && lines[i][0] is ' ' or '\t'; i++)
        {
            field += " " + lines[i].Trim();
        }

        return field;
    }
}
