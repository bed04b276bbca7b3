using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Runtime;
using Orleans.Storage;

namespace EmailAI.Tests.Postgres;

/// <summary>
/// The project's own schema (deploy/postgresql/001-orleans.sql) against a real silo and a real
/// PostgreSQL 15: clustering, grain storage and reminders.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrleansAdoNetTests(PostgresFixture fixture)
{
    private const int ActiveStatus = 3; // Orleans' SiloStatus.Active

    [Fact]
    public async Task Silo_StartsOnSchema_IsActiveInMembershipTable()
    {
        var connectionString = await NewSchemaDatabaseAsync();
        var (clusterId, serviceId) = NewIds();

        await using var silo = await OrleansTestSilo.StartAsync(connectionString, clusterId, serviceId);

        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(
            "SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = @cluster AND Port = @port", connection);
        command.Parameters.AddWithValue("cluster", clusterId);
        command.Parameters.AddWithValue("port", silo.SiloPort);
        Assert.Equal(ActiveStatus, await command.ExecuteScalarAsync());

        await using var version = new NpgsqlCommand(
            "SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = @cluster", connection);
        version.Parameters.AddWithValue("cluster", clusterId);
        Assert.True((int)(await version.ExecuteScalarAsync())! >= 2, "joining and becoming active each bump the table version");
    }

    [Fact]
    public async Task GrainState_WrittenThenSiloRestarted_IsReadBack()
    {
        var connectionString = await NewSchemaDatabaseAsync();
        var (clusterId, serviceId) = NewIds();

        await using (var first = await OrleansTestSilo.StartAsync(connectionString, clusterId, serviceId))
        {
            var grain = first.GrainFactory.GetGrain<IOrleansCounterGrain>("restart");
            Assert.Equal(1, await grain.IncrementAsync());
            Assert.Equal(2, await grain.IncrementAsync());
            await first.StopAsync();
        }

        await using var second = await OrleansTestSilo.StartAsync(connectionString, clusterId, serviceId);
        Assert.Equal(2, await second.GrainFactory.GetGrain<IOrleansCounterGrain>("restart").GetAsync());
        Assert.Equal(3, await second.GrainFactory.GetGrain<IOrleansCounterGrain>("restart").IncrementAsync());

        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(
            "SELECT Version FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = @state AND GrainIdExtensionString = 'restart'",
            connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("state", OrleansCounterGrain.StateName);
        Assert.Equal(3, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task GrainStorage_StaleETag_ThrowsInconsistentState()
    {
        var connectionString = await NewSchemaDatabaseAsync();
        var (clusterId, serviceId) = NewIds();
        await using var silo = await OrleansTestSilo.StartAsync(connectionString, clusterId, serviceId);
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(OrleansTestSilo.StorageName);
        var grainId = GrainId.Create("orleanscounter", "stale");

        var winnerState = new OrleansCounterState { Count = 1 };
        var winner = new GrainState<OrleansCounterState>(winnerState);
        await storage.WriteStateAsync(OrleansCounterGrain.StateName, grainId, winner);
        Assert.Equal("1", winner.ETag);

        var loser = new GrainState<OrleansCounterState>(new OrleansCounterState());
        await storage.ReadStateAsync(OrleansCounterGrain.StateName, grainId, loser);
        Assert.Equal("1", loser.ETag);

        winnerState.Count = 2;
        await storage.WriteStateAsync(OrleansCounterGrain.StateName, grainId, winner);
        Assert.Equal("2", winner.ETag);

        loser.State = new OrleansCounterState { Count = 99 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(OrleansCounterGrain.StateName, grainId, loser));

        // A second "first write" (no ETag) for a row that exists is a conflict too, not a silent no-op.
        var late = new GrainState<OrleansCounterState>(new OrleansCounterState { Count = 7 });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(OrleansCounterGrain.StateName, grainId, late));

        // A stale clear is refused; a current one empties the state and keeps counting versions.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(OrleansCounterGrain.StateName, grainId, loser));
        await storage.ClearStateAsync(OrleansCounterGrain.StateName, grainId, winner);
        Assert.Equal("3", winner.ETag);

        var reread = new GrainState<OrleansCounterState>(new OrleansCounterState());
        await storage.ReadStateAsync(OrleansCounterGrain.StateName, grainId, reread);
        Assert.Equal(0, reread.State?.Count);
        Assert.False(reread.RecordExists);
        Assert.Equal("3", reread.ETag);
    }

    [Fact]
    public async Task Reminder_RegisteredByGrain_IsStoredInRemindersTable()
    {
        var connectionString = await NewSchemaDatabaseAsync();
        var (clusterId, serviceId) = NewIds();
        await using var silo = await OrleansTestSilo.StartAsync(connectionString, clusterId, serviceId);

        var grain = silo.GrainFactory.GetGrain<IOrleansCounterGrain>("reminded");
        await grain.RegisterReminderAsync("wake");
        await grain.RegisterReminderAsync("wake"); // replacing it bumps the row's version

        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(
            "SELECT GrainId, Period, Version FROM OrleansRemindersTable WHERE ServiceId = @service AND ReminderName = 'wake'",
            connection);
        command.Parameters.AddWithValue("service", serviceId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.EndsWith("/reminded", reader.GetString(0), StringComparison.Ordinal);
        Assert.Equal((long)TimeSpan.FromMinutes(5).TotalMilliseconds, reader.GetInt64(1));
        Assert.Equal(1, reader.GetInt32(2));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task MembershipQueries_ConflictOrStaleVersion_ChangeNothing()
    {
        var connectionString = await NewSchemaDatabaseAsync();
        await using var connection = await OpenAsync(connectionString);

        Assert.Equal(1, await RunStoredAsync(connection, "InsertMembershipVersionKey", ("DeploymentId", "c")));
        Assert.Equal(0, await RunStoredAsync(connection, "InsertMembershipVersionKey", ("DeploymentId", "c")));

        Assert.Equal(1, await InsertSiloAsync(connection, generation: 1, version: 0));
        Assert.Equal(0, await InsertSiloAsync(connection, generation: 1, version: 1)); // row exists: bump undone
        Assert.Equal(0, await InsertSiloAsync(connection, generation: 2, version: 0)); // stale table version
        Assert.Equal(1, await TableVersionAsync(connection));

        Assert.Equal(0, await UpdateSiloAsync(connection, generation: 9, version: 1)); // no such silo: bump undone
        Assert.Equal(1, await TableVersionAsync(connection));
        Assert.Equal(1, await UpdateSiloAsync(connection, generation: 1, version: 1));
        Assert.Equal(0, await UpdateSiloAsync(connection, generation: 1, version: 1)); // stale now
        Assert.Equal(2, await TableVersionAsync(connection));
    }

    [Fact]
    public async Task Schema_AppliedTwiceAndConcurrently_Succeeds()
    {
        var connectionString = await fixture.NewDatabaseAsync();

        // Two processes starting together on an empty database, each in its own locked transaction.
        await Task.WhenAll(OrleansSchema.ApplyAsync(connectionString), OrleansSchema.ApplyAsync(connectionString));
        await OrleansSchema.ApplyAsync(connectionString);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OrleansSchema.ApplyAsync(connectionString)));

        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey", connection);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.Equal(OrleansSchema.RequiredQueryKeys.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    private static Task<int> InsertSiloAsync(NpgsqlConnection connection, int generation, int version) =>
        RunStoredAsync(
            connection,
            "InsertMembershipKey",
            ("DeploymentId", "c"), ("Address", "127.0.0.1"), ("Port", 11111), ("Generation", generation),
            ("SiloName", "s"), ("HostName", "h"), ("Status", ActiveStatus), ("ProxyPort", 30000),
            ("StartTime", DateTime.UtcNow), ("IAmAliveTime", DateTime.UtcNow), ("Version", version));

    private static Task<int> UpdateSiloAsync(NpgsqlConnection connection, int generation, int version) =>
        RunStoredAsync(
            connection,
            "UpdateMembershipKey",
            ("DeploymentId", "c"), ("Address", "127.0.0.1"), ("Port", 11111), ("Generation", generation),
            ("Status", 6), ("SuspectTimes", DBNull.Value), ("IAmAliveTime", DateTime.UtcNow), ("Version", version));

    private static async Task<int> TableVersionAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = 'c'", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs a stored query by key the way the provider does: @Name parameters, first column of the one row.</summary>
    private static async Task<int> RunStoredAsync(NpgsqlConnection connection, string key, params (string Name, object Value)[] parameters)
    {
        await using var lookup = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @key", connection);
        lookup.Parameters.AddWithValue("key", key);
        var text = (string)(await lookup.ExecuteScalarAsync())!;
        await using var command = new NpgsqlCommand(text, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<string> NewSchemaDatabaseAsync()
    {
        var connectionString = await fixture.NewDatabaseAsync();
        await OrleansSchema.ApplyAsync(connectionString);
        return connectionString;
    }

    private static (string ClusterId, string ServiceId) NewIds()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        return ("cluster-" + suffix, "service-" + suffix);
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
