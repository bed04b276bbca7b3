using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EmailAI.Cli;

/// <summary>
/// One admin API call: the bearer token, the actor header the server logs actions under, and a failure turned into a
/// <see cref="CliException"/> with one line — the server's problem detail for a refusal, what went wrong for a server
/// that cannot be reached.
/// </summary>
internal sealed class AdminClient(HttpClient http, Uri baseUri, string token) : IDisposable
{
    /// <summary>How long one request may take before the tool gives up on the server.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    public Uri BaseUri => baseUri;

    public async Task<(HttpStatusCode Status, byte[] Body, string? MediaType)> SendAsync(HttpMethod method, string path, object? json, CancellationToken cancellationToken, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseUri, "api/v1/" + path.TrimStart('/')));
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("X-EmailAI-Actor", Actor());
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("emailai-cli", typeof(AdminClient).Assembly.GetName().Version?.ToString() ?? "0"));
        if (json is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(json, CliApp.Json), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            response = await http.SendAsync(request, timeout.Token);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(CliApp.Unreachable, $"cannot reach the admin API at {baseUri}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(CliApp.Unreachable, $"the admin API at {baseUri} did not answer within {RequestTimeout.TotalSeconds:0} s");
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException(CliApp.Refused, Describe(response.StatusCode, body), response.StatusCode);
            }

            return (response.StatusCode, body, response.Content.Headers.ContentType?.MediaType);
        }
    }

    public async Task<JsonElement?> JsonAsync(HttpMethod method, string path, object? json, CancellationToken cancellationToken, string? ifMatch = null)
    {
        var (_, body, _) = await SendAsync(method, path, json, cancellationToken, ifMatch);
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new CliException(CliApp.Refused, $"the server at {baseUri} answered something that is not JSON (is this EmailAI's admin port?)");
        }
    }

    public void Dispose() => http.Dispose();

    /// <summary>The server's words for a refusal: the problem's detail (and title), or the status.</summary>
    internal static string Describe(HttpStatusCode status, byte[] body)
    {
        var code = (int)status;
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            {
                var title = problem.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : status.ToString();
                return $"{code} {title}: {OneLine(detail.GetString()!)}";
            }
        }
        catch (JsonException)
        {
            // Not a problem body; the status says it.
        }

        return code == 401
            ? "401 Unauthorized: the admin token was refused (give --token, EMAILAI_TOKEN, or --data-dir with the server's admin-token file)"
            : $"{code} {status}";
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>Who runs the tool, for the server's log of queue actions: user@host.</summary>
    private static string Actor() => $"{Environment.UserName}@{Environment.MachineName}";
}

/// <summary>A failure the tool reports in one line, with its exit code.</summary>
internal sealed class CliException(int exitCode, string message, System.Net.HttpStatusCode? status = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The HTTP status of a refusal; null when the server was not reached.</summary>
    public System.Net.HttpStatusCode? Status { get; } = status;
}
