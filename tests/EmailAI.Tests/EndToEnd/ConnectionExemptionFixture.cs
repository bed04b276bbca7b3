namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// One server whose SMTP and POP3 listeners hold loopback clients to the per-client limits (<c>ExemptLoopback=false</c>):
/// at most <see cref="PerClient"/> connections and <see cref="Rate"/> attempts a minute per address, at most
/// <see cref="JunkCommands"/> POP3 commands without progress. 127.0.0.1 (the clients that provision and deliver) and
/// <see cref="AuthorisedClient"/> are put on the Authorised IP list through the admin API; each test uses its own
/// 127.0.0.x address, so their counts never meet.
/// </summary>
public sealed class ConnectionExemptionFixture : IAsyncLifetime
{
    public const int PerClient = 3;
    public const int Rate = 6;
    public const int JunkCommands = 20;
    public const string AuthorisedClient = "127.0.0.7";

    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["EmailAI:Smtp:ExemptLoopback"] = "false",
        ["EmailAI:Smtp:MaxConnectionsPerClient"] = PerClient.ToString(),
        ["EmailAI:Smtp:MaxConnectionRatePerClient"] = Rate.ToString(),
        ["EmailAI:Pop3:ExemptLoopback"] = "false",
        ["EmailAI:Pop3:MaxConnectionsPerClient"] = PerClient.ToString(),
        ["EmailAI:Pop3:MaxConnectionRatePerClient"] = Rate.ToString(),
        ["EmailAI:Pop3:MaxJunkCommands"] = JunkCommands.ToString(),
    });

    public async Task InitializeAsync()
    {
        await Server.StartAsync();
        using var response = await Server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json($$"""{"authorisedIps":["127.0.0.1","{{AuthorisedClient}}"]}"""));
        response.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
