using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EmailAI.Tests.Postgres;

/// <summary>
/// A throwaway PostgreSQL server started from the machine's own binaries (Debian's postgresql-15:
/// <c>pg_config --bindir</c>) in a temporary directory, on a free loopback port, with trust auth for the
/// superuser <c>emailai</c>. PostgreSQL refuses to run as root, so under root the server runs as the
/// <c>postgres</c> system user the package created. fsync stays on: durability tests mean it.
/// </summary>
public sealed class PostgresInstance : IAsyncDisposable
{
    private readonly string _bin;
    private readonly bool _asRoot;

    private PostgresInstance(string bin, string directory, int port)
    {
        _bin = bin;
        Directory_ = directory;
        Port = port;
        _asRoot = Environment.UserName == "root";
    }

    public int Port { get; }

    private string Directory_ { get; }

    private string DataDirectory => Path.Combine(Directory_, "data");

    /// <summary>Connection string for <paramref name="database"/> (default: postgres).</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=emailai;Database={database};Pooling=true;Maximum Pool Size=50;Timeout=30";

    public static async Task<PostgresInstance> StartAsync()
    {
        var bin = FindBinaries();
        var directory = Path.Combine(Path.GetTempPath(), "emailai-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        var instance = new PostgresInstance(bin, directory, EmailAI.Tests.EndToEnd.ServerProcess.FreePort());
        if (instance._asRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", directory]);
        }

        await instance.RunAsUserAsync("initdb", ["-D", instance.DataDirectory, "-U", "emailai", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        await instance.RunAsUserAsync("pg_ctl", [
            "-D", instance.DataDirectory, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
            "-o", $"-p {instance.Port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=200", "start",
        ]);
        return instance;
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{name}\"";
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsUserAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Npgsql.NpgsqlConnection.ClearAllPools();
        try
        {
            Directory.Delete(Directory_, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private Task RunAsUserAsync(string tool, IEnumerable<string> arguments)
    {
        var path = Path.Combine(_bin, tool);
        return _asRoot ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments]) : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}: {await stdout}{await stderr}");
        }
    }

    private static string FindBinaries()
    {
        try
        {
            var info = new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, UseShellExecute = false };
            using var process = Process.Start(info)!;
            var bin = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            if (File.Exists(Path.Combine(bin, "initdb")))
            {
                return bin;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }

        var candidate = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            : null;
        return candidate ?? throw new InvalidOperationException("PostgreSQL server binaries not found (install Debian's postgresql-15)");
    }
}
