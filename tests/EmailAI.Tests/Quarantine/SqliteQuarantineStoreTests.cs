using EmailAI.Storage;
using EmailAI.Storage.Sqlite;
using EmailAI.Tests.Storage;

namespace EmailAI.Tests.Quarantine;

public sealed class SqliteQuarantineStoreTests : QuarantineStoreContractTests
{
    private readonly TempDatabase _temp = new();

    protected override Task<IMessageStore> OpenAsync() => Task.FromResult<IMessageStore>(new SqliteMessageStore(_temp.Database));

    protected override Task<IMessageStore> ReopenAsync() => Task.FromResult<IMessageStore>(new SqliteMessageStore(_temp.Reopen()));

    protected override Task<long> CountContentAsync() =>
        _temp.Database.ReadAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT count(*) FROM message";
            return (long)command.ExecuteScalar()!;
        });

    public override Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }
}
