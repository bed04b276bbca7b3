namespace EmailAI.Tests.Postgres;

/// <summary>One PostgreSQL server shared by the tests of the "postgres" collection; each test makes its own database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresInstance? _server;

    public PostgresInstance Server => _server ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _server = await PostgresInstance.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A new, empty database with a unique name.</summary>
    public Task<string> NewDatabaseAsync() => Server.CreateDatabaseAsync("t_" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The settings of one node of a cluster on <paramref name="connectionString"/>, all nodes on 127.0.0.1.</summary>
    public static Dictionary<string, string> NodeSettings(string connectionString, string clusterId) => new()
    {
        ["EmailAI:Storage:Provider"] = "PostgreSql",
        ["EmailAI:Storage:ConnectionString"] = connectionString,
        ["EmailAI:Cluster:ClusterId"] = clusterId,
        ["EmailAI:Cluster:AdvertisedAddress"] = "127.0.0.1",
    };
}
