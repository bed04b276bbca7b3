using System.Text;
using EmailAI.Storage;
using EmailAI.Storage.Sqlite;

namespace EmailAI.Tests.Storage;

public sealed class SqliteMessageStoreTests : MessageStoreContractTests
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

    [Fact]
    public async Task CommitAsync_QueueRow_SurvivesReopenWithHistoryAndContent()
    {
        var at = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var outbound = new OutboundMessage(
            new StoredMessage("Q9", "bob@remote.test", at, Encoding.UTF8.GetBytes("queued\r\n")),
            [new OutboundRecipient("Carol@far.test", "far.test")],
            at);
        await Store.CommitAsync(new StoreDelivery(null, [], outbound, []));
        var row = Assert.Single(await Store.ListQueueAsync(0, 10));
        await Store.DeferAsync([row.Id], at.AddMinutes(15), "451 4.3.0 try later");
        await Store.MarkDelayWarnedAsync([row.Id]);

        var store = await ReopenAsync();

        var reopened = await store.GetQueuedAsync(row.Id);
        Assert.Equal(row with { Attempts = 1, NextAttemptAt = at.AddMinutes(15), LastError = "451 4.3.0 try later", DelayWarned = true }, reopened);
        Assert.Equal("queued\r\n", Encoding.UTF8.GetString((await store.ReadOutboundAsync(row.MessageId))!));
        Assert.Equal(["far.test"], await store.ListDueDestinationsAsync(at.AddMinutes(15), 10));
    }

    [Fact]
    public async Task Schema_NextAttemptAt_StoredAsIntegerUnixMilliseconds()
    {
        var at = new DateTimeOffset(2030, 1, 1, 12, 0, 0, 250, TimeSpan.Zero);
        var outbound = new OutboundMessage(
            new StoredMessage("Q9", "bob@remote.test", at, Encoding.UTF8.GetBytes("x\r\n")),
            [new OutboundRecipient("carol@far.test", "far.test")],
            at);
        await Store.CommitAsync(new StoreDelivery(null, [], outbound, []));

        var stored = await _temp.Database.ReadAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT typeof(next_attempt_at), next_attempt_at, typeof(created_at) FROM outbound";
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.GetString(0), reader.GetInt64(1), reader.GetString(2));
        });
        Assert.Equal(("integer", at.ToUnixTimeMilliseconds(), "integer"), stored);
    }
}
