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

    /// <summary>
    /// A database from before quotas has no usage table: opening it creates the table from the maildrop rows, and
    /// from then on the triggers keep it equal to them.
    /// </summary>
    [Fact]
    public async Task Schema_UsageTableMissing_RebuiltFromTheMaildropRowsThenKeptCurrent()
    {
        var uids = await Store.DeliverAsync(Message("12345\r\n"), ["a@x.test", "b@x.test"]);
        await Store.DeliverAsync(Message("123\r\n"), ["a@x.test"]);
        await _temp.Database.WriteAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "DROP TRIGGER maildrop_usage_added; DROP TRIGGER maildrop_usage_removed; DROP TABLE maildrop_usage;";
            return command.ExecuteNonQuery();
        });

        var store = await ReopenAsync();

        Assert.Equal((2, 12L), await store.GetMaildropSummaryAsync("a@x.test"));
        await store.DeleteMessagesAsync("a@x.test", [uids[0]]);
        await store.DeliverAsync(Message("1\r\n"), ["b@x.test"]);
        Assert.Equal((1, 5L), await store.GetMaildropSummaryAsync("a@x.test"));
        Assert.Equal((2, 10L), await store.GetMaildropSummaryAsync("b@x.test"));
    }

    private static StoredMessage Message(string text) => new("Q1", "bob@remote.test", DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task CommitAsync_QueueRow_SurvivesReopenWithHistoryAndContent()
    {
        var at = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var row = (await Store.GetQueuedAsync(await EnqueueOneAsync(at, "queued\r\n")))!;
        await Store.DeferAsync([row.Id], at.AddMinutes(15), "451 4.3.0 try later", at, null);
        await Store.MarkDelayWarnedAsync([row.Id]);

        var store = await ReopenAsync();

        var reopened = await store.GetQueuedAsync(row.Id);
        Assert.Equal(row with { Attempts = 1, NextAttemptAt = at.AddMinutes(15), LastError = "451 4.3.0 try later", DelayWarned = true, LastErrorAt = at }, reopened);
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

    [Fact]
    public async Task Reopen_ClaimHeldByTheProcessBefore_Ended()
    {
        var at = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var id = await EnqueueOneAsync(at, "x\r\n");
        await Store.ClaimAsync([id], "killed-process", at, at.AddHours(1));

        // The embedded store has one process: a claim found at open belongs to one that was killed.
        var store = await ReopenAsync();

        Assert.Equal([id], (await store.ListDueAsync("far.test", at, 10)).Select(r => r.Id));
        Assert.Equal([id], await store.ClaimAsync([id], "next-process", at, at.AddMinutes(2)));
    }

    /// <summary>Queues one message for carol@far.test, due at <paramref name="at"/>; returns its row id.</summary>
    private async Task<long> EnqueueOneAsync(DateTimeOffset at, string content)
    {
        var outbound = new OutboundMessage(
            new StoredMessage("Q9", "bob@remote.test", at, Encoding.UTF8.GetBytes(content)),
            [new OutboundRecipient("carol@far.test", "far.test")],
            at);
        await Store.CommitAsync(new StoreDelivery(null, [], outbound, []));
        return Assert.Single(await Store.ListQueueAsync(0, 10)).Id;
    }
}
