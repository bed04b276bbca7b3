using EmailAI.Grains;
using EmailAI.Grains.Policy;
using EmailAI.Grains.WhiteList;
using EmailAI.Storage;
using EmailAI.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Hosting;

namespace EmailAI.Tests.WhiteList;

/// <summary>
/// One real silo in this process, on free loopback ports, with the grains of EmailAI.Grains over one embedded
/// database: grain state in <see cref="SqliteGrainStorage"/> (as the server keeps it) and the white-list rows in a
/// <see cref="SqliteWhiteListStore"/>, so a white-list grain can be activated, made to move an old grain-state list,
/// and deactivated by stopping the silo.
/// </summary>
public sealed class WhiteListTestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private WhiteListTestSilo(IHost host, SqliteDatabase database)
    {
        _host = host;
        Database = database;
    }

    public SqliteDatabase Database { get; }

    public IGrainFactory GrainFactory => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The grain storage the silo's grains use (to write state as an older version would have).</summary>
    public SqliteGrainStorage GrainStorage { get; private set; } = null!;

    public static async Task<WhiteListTestSilo> StartAsync(SqliteDatabase database, int maxEntries)
    {
        var siloPort = EndToEnd.ServerProcess.FreePort();
        var gatewayPort = EndToEnd.ServerProcess.FreePort();
        var grainStorage = new SqliteGrainStorage(database, new JsonGrainStateSerializer());
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, null, "wl-" + Guid.NewGuid().ToString("N")[..8], "wl-test");
                silo.Services.AddSingleton(TimeProvider.System);
                silo.Services.AddSingleton(database);
                silo.Services.AddSingleton<IWhiteListStore, SqliteWhiteListStore>();
                silo.Services.AddSingleton<RelayPolicyCache>();
                silo.Services.Configure<WhiteListOptions>(o => o.MaxEntries = maxEntries);
                silo.Services.AddGrainStorage(StorageNames.Provider, (_, _) => grainStorage);
            })
            .Build();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await host.StartAsync(timeout.Token);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new WhiteListTestSilo(host, database) { GrainStorage = grainStorage };
    }

    /// <summary>Graceful shutdown: every grain is deactivated (and so flushes what it keeps in memory).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
