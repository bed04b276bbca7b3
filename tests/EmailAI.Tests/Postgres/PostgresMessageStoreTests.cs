using EmailAI.Storage;
using EmailAI.Storage.Postgres;
using EmailAI.Tests.Storage;
using Npgsql;

namespace EmailAI.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresMessageStoreTests(PostgresFixture fixture) : MessageStoreContractTests
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
    public async Task ApplySchema_FromSeveralConnectionsAtOnce_AllSucceed()
    {
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresSchema.ApplyAsync(_dataSource!)));
        Assert.Contains(PostgresSchema.ScriptNames, n => n.EndsWith("002-emailai.sql", StringComparison.Ordinal));
    }
}
