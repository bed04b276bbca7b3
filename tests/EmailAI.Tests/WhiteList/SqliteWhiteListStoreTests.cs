using EmailAI.Storage;
using EmailAI.Storage.Sqlite;
using EmailAI.Tests.Storage;

namespace EmailAI.Tests.WhiteList;

public sealed class SqliteWhiteListStoreTests : WhiteListStoreContractTests
{
    private readonly TempDatabase _temp = new();

    protected override Task<IWhiteListStore> OpenAsync() => Task.FromResult<IWhiteListStore>(new SqliteWhiteListStore(_temp.Database));

    protected override Task<IWhiteListStore> ReopenAsync() => Task.FromResult<IWhiteListStore>(new SqliteWhiteListStore(_temp.Reopen()));

    public override Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }
}
