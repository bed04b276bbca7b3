using System.Globalization;
using EmailAI.Gateway;
using EmailAI.Gateway.Auth;
using EmailAI.Gateway.Pop3;
using EmailAI.Gateway.Smtp;
using EmailAI.Tests.EndToEnd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmailAI.Tests.Auth;

/// <summary>
/// The embedded server as a child process with its Orleans gateway port open, and an Orleans client in the test
/// process connected to it: the gateway's login service and sender policy are then built here against the
/// server's real grains (account grains with their hashing service, throttle grains, the session policy), which
/// is how a gateway node uses them. Also reads the server's Prometheus metrics.
/// </summary>
public sealed class LoginServer : IAsyncDisposable
{
    private readonly int _gatewayPort;
    private IHost _client;

    private LoginServer(ServerProcess server, IHost client, int gatewayPort)
    {
        Server = server;
        _client = client;
        _gatewayPort = gatewayPort;
    }

    public ServerProcess Server { get; }

    public IGrainFactory Grains => _client.Services.GetRequiredService<IGrainFactory>();

    public static async Task<LoginServer> StartAsync(IDictionary<string, string>? settings = null)
    {
        var gatewayPort = ServerProcess.FreePort();
        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            ["EmailAI:Cluster:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
        };
        var server = await ServerProcess.StartNewAsync(all);
        return new LoginServer(server, await ConnectAsync(gatewayPort), gatewayPort);
    }

    /// <summary>
    /// Stops the server gracefully, lets <paramref name="edit"/> change its SQLite file (state as an older version
    /// wrote it), starts it again on the same data and ports, and reconnects the client.
    /// </summary>
    public async Task RestartAsync(Action<Microsoft.Data.Sqlite.SqliteConnection> edit)
    {
        await _client.StopAsync();
        _client.Dispose();
        await Server.StopAsync();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Server.DataDirectory, "emailai.db")};Pooling=False"))
        {
            connection.Open();
            edit(connection);
        }

        await Server.StartAsync();
        _client = await ConnectAsync(_gatewayPort);
    }

    /// <summary>Rewrites the stored JSON state of one grain (state name and grain id as the SQLite store keeps them).</summary>
    public static void EditState(Microsoft.Data.Sqlite.SqliteConnection connection, string stateName, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var rows = new List<(string Id, byte[] Payload)>();
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT grain_id, payload FROM grain_state WHERE state_name = $name";
            select.Parameters.AddWithValue("$name", stateName);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), (byte[])reader[1]));
            }
        }

        Assert.NotEmpty(rows);
        foreach (var (id, payload) in rows)
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(payload)!.AsObject();
            edit(json);
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE grain_state SET payload = $payload WHERE state_name = $name AND grain_id = $id";
            update.Parameters.AddWithValue("$payload", System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
            update.Parameters.AddWithValue("$name", stateName);
            update.Parameters.AddWithValue("$id", id);
            update.ExecuteNonQuery();
        }
    }

    private static async Task<IHost> ConnectAsync(int gatewayPort)
    {
        var client = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleansClient(c => c.UseLocalhostClustering(gatewayPort, "emailai", "emailai"))
            .Build();
        await client.StartAsync();
        return client;
    }

    /// <summary>A gateway-side login service over the server's grains, with these login options.</summary>
    public GrainCredentialVerifier Verifier(Pop3LoginOptions? options = null) =>
        new(Grains, Options.Create(options ?? new Pop3LoginOptions { AuthFailureDelay = TimeSpan.Zero }), Options.Create(new EmailAIOptions()), TimeProvider.System, NullLogger<GrainCredentialVerifier>.Instance);

    public GrainSenderPolicy SenderPolicy() =>
        new(Grains, Options.Create(new EmailAIOptions { ServerDomain = "mx.e2e.test" }), NullLogger<GrainSenderPolicy>.Instance);

    /// <summary>The sum of a Prometheus counter's samples whose labels contain every one of <paramref name="labels"/>.</summary>
    public async Task<double> CounterAsync(string name, params string[] labels)
    {
        var text = await Server.Admin.GetStringAsync("/metrics");
        return Metrics.Sum(text, name, labels);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        await Server.DisposeAsync();
    }
}
