using EmailAI.Storage;
using EmailAI.Storage.Postgres;
using EmailAI.Tests.Postgres;
using Npgsql;

namespace EmailAI.Tests.WhiteList;

[Collection(PostgresCollection.Name)]
public sealed class PostgresWhiteListStoreTests(PostgresFixture fixture) : WhiteListStoreContractTests
{
    private NpgsqlDataSource? _dataSource;
    private string _connectionString = "";

    protected override async Task<IWhiteListStore> OpenAsync()
    {
        _connectionString = await fixture.NewDatabaseAsync();
        _dataSource = NpgsqlDataSource.Create(_connectionString);
        await PostgresSchema.ApplyAsync(_dataSource);
        return new PostgresWhiteListStore(_dataSource);
    }

    protected override async Task<IWhiteListStore> ReopenAsync()
    {
        await _dataSource!.DisposeAsync();
        _dataSource = NpgsqlDataSource.Create(_connectionString);
        await PostgresSchema.ApplyAsync(_dataSource);
        return new PostgresWhiteListStore(_dataSource);
    }

    public override async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    [Fact]
    public async Task Schema_AppliedTwice_WhiteListScriptIdempotent()
    {
        await PostgresSchema.ApplyAsync(_dataSource!);
        Assert.Contains(PostgresSchema.ScriptNames, n => n.EndsWith("006-whitelist.sql", StringComparison.Ordinal));
    }
}
