using EmailAI.Storage;
using EmailAI.Storage.Postgres;
using EmailAI.Tests.Postgres;
using Npgsql;

namespace EmailAI.Tests.Quarantine;

[Collection(PostgresCollection.Name)]
public sealed class PostgresQuarantineStoreTests(PostgresFixture fixture) : QuarantineStoreContractTests
{
    private NpgsqlDataSource? _dataSource;
    private string _connectionString = "";

    protected override async Task<IMessageStore> OpenAsync()
    {
        _connectionString = await fixture.NewDatabaseAsync();
        _dataSource = NpgsqlDataSource.Create(_connectionString);
        await PostgresSchema.ApplyAsync(_dataSource);
        return new PostgresMessageStore(_dataSource);
    }

    protected override async Task<IMessageStore> ReopenAsync()
    {
        await _dataSource!.DisposeAsync();
        _dataSource = NpgsqlDataSource.Create(_connectionString);
        await PostgresSchema.ApplyAsync(_dataSource);
        return new PostgresMessageStore(_dataSource);
    }

    protected override async Task<long> CountContentAsync()
    {
        await using var command = _dataSource!.CreateCommand("SELECT count(*) FROM emailai_message");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public override async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    [Fact]
    public void Schema_QuarantineScript_Embedded()
    {
        Assert.Contains(PostgresSchema.ScriptNames, n => n.EndsWith("007-quarantine.sql", StringComparison.Ordinal));
    }
}
