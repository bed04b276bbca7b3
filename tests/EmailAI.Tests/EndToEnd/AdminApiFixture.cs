namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// One embedded server shared by <see cref="AdminApiTests"/> (tests use distinct domains and accounts).
/// The relay settings are read once at start, before any test can change them, so the defaults can be checked.
/// </summary>
public sealed class AdminApiFixture : IAsyncLifetime
{
    public ServerProcess Server { get; } = new();

    /// <summary>A client for the admin port with no Authorization header.</summary>
    public HttpClient Anonymous { get; } = new();

    /// <summary>The body of GET /api/v1/relay on a fresh server.</summary>
    public string InitialRelayJson { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Server.StartAsync();
        Anonymous.BaseAddress = Server.Admin.BaseAddress;
        InitialRelayJson = await Server.Admin.GetStringAsync("/api/v1/relay");
    }

    public async Task DisposeAsync()
    {
        Anonymous.Dispose();
        await Server.DisposeAsync();
    }
}
