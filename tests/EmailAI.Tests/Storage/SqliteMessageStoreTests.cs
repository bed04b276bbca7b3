using System.Text;
using EmailAI.Storage;
using EmailAI.Storage.Sqlite;

namespace EmailAI.Tests.Storage;

public sealed class SqliteMessageStoreTests
{
    private static StoredMessage Message(string text) =>
        new("Q1", "bob@remote.test", DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task DeliverAsync_ThreeMailboxes_ContentStoredOnceAndListedInEach()
    {
        using var temp = new TempDatabase();
        var store = new SqliteMessageStore(temp.Database);
        var uids = await store.DeliverAsync(Message("Subject: x\r\n\r\nbody\r\n"), ["a@x.test", "b@x.test", "c@x.test"]);

        Assert.Equal(3, uids.Distinct().Count());
        var contentRows = await temp.Database.ReadAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT count(*) FROM message";
            return (long)command.ExecuteScalar()!;
        });
        Assert.Equal(1, contentRows);
        foreach (var (mailbox, uid) in new[] { "a@x.test", "b@x.test", "c@x.test" }.Zip(uids))
        {
            var entry = Assert.Single(await store.ListMaildropAsync(mailbox));
            Assert.Equal(uid, entry.Uid);
            Assert.Equal(20, entry.Size);
            Assert.Equal("Subject: x\r\n\r\nbody\r\n", Encoding.UTF8.GetString((await store.ReadMessageAsync(mailbox, uid))!));
        }
    }

    [Fact]
    public async Task ReadMessageAsync_UidOfAnotherMailbox_Null()
    {
        using var temp = new TempDatabase();
        var store = new SqliteMessageStore(temp.Database);
        var uids = await store.DeliverAsync(Message("x\r\n"), ["a@x.test"]);
        Assert.Null(await store.ReadMessageAsync("b@x.test", uids[0]));
        Assert.Null(await store.ReadMessageAsync("a@x.test", uids[0] + 1000));
    }

    [Fact]
    public async Task DeliverAsync_UidsIncreaseAcrossReopen()
    {
        using var temp = new TempDatabase();
        var first = await new SqliteMessageStore(temp.Database).DeliverAsync(Message("1\r\n"), ["a@x.test"]);
        var store = new SqliteMessageStore(temp.Reopen());
        var second = await store.DeliverAsync(Message("2\r\n"), ["a@x.test"]);
        Assert.True(second[0] > first[0]);
        Assert.Equal((2, 6L), await store.GetMaildropSummaryAsync("a@x.test"));
    }

    [Fact]
    public async Task DeliverAsync_NoMailboxes_Throws()
    {
        using var temp = new TempDatabase();
        await Assert.ThrowsAsync<ArgumentException>(() => new SqliteMessageStore(temp.Database).DeliverAsync(Message("x"), []));
    }

    [Fact]
    public async Task DeliverAsync_BinaryContent_ByteExact()
    {
        using var temp = new TempDatabase();
        var store = new SqliteMessageStore(temp.Database);
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var uids = await store.DeliverAsync(new StoredMessage("Q", "", DateTimeOffset.UtcNow, bytes), ["a@x.test"]);
        Assert.Equal(bytes, await store.ReadMessageAsync("a@x.test", uids[0]));
    }

    [Fact]
    public async Task DeleteMessagesAsync_SharedContent_KeptUntilLastMaildropLetsGo()
    {
        using var temp = new TempDatabase();
        var store = new SqliteMessageStore(temp.Database);
        var uids = await store.DeliverAsync(Message("shared\r\n"), ["a@x.test", "b@x.test"]);

        Assert.Equal(1, await store.DeleteMessagesAsync("a@x.test", [uids[0], 99999]));
        Assert.Empty(await store.ListMaildropAsync("a@x.test"));
        Assert.Equal("shared\r\n", Encoding.UTF8.GetString((await store.ReadMessageAsync("b@x.test", uids[1]))!));
        Assert.Equal(1, await CountContentAsync(temp));

        Assert.Equal(1, await store.DeleteMessagesAsync("b@x.test", uids: null));
        Assert.Equal(0, await CountContentAsync(temp));
    }

    [Fact]
    public async Task DeleteMessagesAsync_ThenDeliver_UidNotReused()
    {
        using var temp = new TempDatabase();
        var store = new SqliteMessageStore(temp.Database);
        var first = await store.DeliverAsync(Message("1\r\n"), ["a@x.test"]);
        await store.DeleteMessagesAsync("a@x.test", uids: null);
        var second = await new SqliteMessageStore(temp.Reopen()).DeliverAsync(Message("2\r\n"), ["a@x.test"]);
        Assert.True(second[0] > first[0]);
    }

    private static Task<long> CountContentAsync(TempDatabase temp) =>
        temp.Database.ReadAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT count(*) FROM message";
            return (long)command.ExecuteScalar()!;
        });
}
