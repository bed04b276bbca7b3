using System.Text.Json;
using EmailAI.Tests.EndToEnd;
using Xunit.Abstractions;

namespace EmailAI.Tests.Fuzz.Admin;

/// <summary>
/// The admin API fuzzed against the real server: random methods, paths, query strings, bodies and tokens for ~15 s
/// from a fixed seed (<c>EMAILAI_FUZZ_SEED</c> overrides it). Every answer must be 2xx or 4xx, never 5xx or a dropped
/// connection, and every 4xx under /api (401 included) an RFC 9457 <c>application/problem+json</c> body whose status
/// matches. Exempt from the body check: HEAD answers (no body), /healthz, /readyz and /metrics (outside the API: a wrong
/// method there is a bare 405), and request lines HTTP/1.1 does not allow, which Kestrel refuses with a bare 400.
/// </summary>
public sealed class AdminApiFuzzTests(AdminApiFixture fixture, ITestOutputHelper output) : IClassFixture<AdminApiFixture>
{
    private const int MaxRequests = 4000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AdminApi_SeededRandomRequests_AnswerOnly2xxOr4xxProblems()
    {
        var seed = FuzzSettings.FromEnvironment(MaxRequests).Seed;
        var random = new Random(seed);
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var sent = 0;
        using var timeout = new CancellationTokenSource(Budget + TimeSpan.FromSeconds(30));
        for (; sent < MaxRequests && watch.Elapsed < Budget && failures.Count < 10; sent++)
        {
            var request = AdminRequestGenerator.Generate(random, ServerProcess.Token);
            RawHttpExchange.Response response;
            try
            {
                response = await RawHttpExchange.SendAsync(fixture.Server.AdminPort, request.Method, request.Target, request.Headers, request.Body, timeout.Token);
            }
            catch (IOException ex)
            {
                failures.Add($"dropped connection ({ex.Message}): {request}");
                continue;
            }

            statuses[response.Status] = statuses.GetValueOrDefault(response.Status) + 1;
            if (Problem(request, response) is { } problem)
            {
                failures.Add($"{problem}: {request}");
            }
        }

        output.WriteLine($"admin API fuzz: seed={seed} requests={sent} elapsed={watch.Elapsed.TotalSeconds:F1}s statuses: {string.Join(" ", statuses.Select(s => $"{s.Key}x{s.Value}"))} (replay: {FuzzSettings.SeedVariable}={seed})");
        Assert.True(failures.Count == 0, $"seed {seed}:\n" + string.Join("\n", failures));
        Assert.True(sent >= 100, $"only {sent} requests in {Budget}");
    }

    // Regression tests for what the fuzz found: the framework's own 4xx answers (no endpoint, wrong method, a value
    // that does not bind) had an empty body, unlike every handler error.
    [Theory]
    [InlineData("GET", "/api/v2/domains", 404)]
    [InlineData("POST", "/api/v1/no-such-thing", 404)]
    [InlineData("GET", "/api/v1/accounts/alice@fuzz.example/messages/abc", 404)]
    [InlineData("PUT", "/api/v1/accounts", 405)]
    [InlineData("DELETE", "/api/v1/relay/check?ip=192.0.2.1", 405)]
    [InlineData("PUT", "/api/v1/queue/1/retry", 405)]
    [InlineData("GET", "/api/v1/queue?limit=abc", 400)]
    [InlineData("GET", "/api/v1/queue?after=9223372036854775808", 400)]
    public async Task AdminApi_FrameworkError_AnswersProblemJson(string method, string target, int expected)
    {
        var request = new AdminRequestGenerator.Request(method, target, [("Authorization", "Bearer " + ServerProcess.Token)], method == "GET" ? null : "{}"u8.ToArray());
        var response = await RawHttpExchange.SendAsync(fixture.Server.AdminPort, request.Method, request.Target, request.Headers, request.Body, CancellationToken.None);
        Assert.Equal(expected, response.Status);
        Assert.Null(Problem(request, response));
    }

    [Fact]
    public async Task AdminApi_HandlerError_StillAnswersItsOwnProblem()
    {
        // The handler's own detail is kept: the completion only fills in answers that have no body.
        var response = await RawHttpExchange.SendAsync(fixture.Server.AdminPort, "GET", "/api/v1/domains/-bad-.example",
            [("Authorization", "Bearer " + ServerProcess.Token)], null, CancellationToken.None);
        Assert.Equal(400, response.Status);
        Assert.Contains("is not a valid domain name", System.Text.Encoding.UTF8.GetString(response.Body), StringComparison.Ordinal);
    }

    private static string? Problem(AdminRequestGenerator.Request request, RawHttpExchange.Response response)
    {
        if (response.Status is < 200 or >= 500 or (>= 300 and < 400))
        {
            return $"answered {response.Status} {System.Text.Encoding.UTF8.GetString(response.Body.AsSpan(0, Math.Min(300, response.Body.Length)))}";
        }

        if (!request.WellFormed)
        {
            // Kestrel refuses a malformed request line itself, before any middleware: a bare 400 is all it can be.
            return response.Status == 400 ? null : $"a malformed request line answered {response.Status}, not 400";
        }

        if (response.Status < 400 || request.Method == "HEAD" || !request.UnderApi)
        {
            return null;
        }

        if (response.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) != true)
        {
            return $"{response.Status} with Content-Type '{response.ContentType}', not application/problem+json";
        }

        try
        {
            using var problem = JsonDocument.Parse(response.Body);
            return problem.RootElement.TryGetProperty("status", out var status) && status.GetInt32() == response.Status
                ? null
                : $"{response.Status} problem body without a matching status: {System.Text.Encoding.UTF8.GetString(response.Body)}";
        }
        catch (JsonException)
        {
            return $"{response.Status} problem body is not JSON";
        }
    }
}
