using System.Text;
using EmailAI.Storage;

namespace EmailAI.Tests.Storage;

/// <summary>
/// The <see cref="IMessageStore"/> contract, run against every backend (SQLite embedded, PostgreSQL cluster):
/// content stored once, maildrops isolated, uids never reused, deletions atomic with shared content kept
/// until its last reference goes, bytes exact.
/// </summary>
public abstract class MessageStoreContractTests : IAsyncLifetime
{
    private IMessageStore? _store;

    protected IMessageStore Store => _store ?? throw new InvalidOperationException("Not opened.");

    /// <summary>Opens a store on a new, empty database.</summary>
    protected abstract Task<IMessageStore> OpenAsync();

    /// <summary>Closes and reopens the same database, as a restart would.</summary>
    protected abstract Task<IMessageStore> ReopenAsync();

    /// <summary>Rows of stored message content.</summary>
    protected abstract Task<long> CountContentAsync();

    public async Task InitializeAsync() => _store = await OpenAsync();

    public abstract Task DisposeAsync();

    private static StoredMessage Message(string text) =>
        new("Q1", "bob@remote.test", DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task DeliverAsync_ThreeMailboxes_ContentStoredOnceAndListedInEach()
    {
        var uids = await Store.DeliverAsync(Message("Subject: x\r\n\r\nbody\r\n"), ["a@x.test", "b@x.test", "c@x.test"]);

        Assert.Equal(3, uids.Distinct().Count());
        Assert.Equal(1, await CountContentAsync());
        foreach (var (mailbox, uid) in new[] { "a@x.test", "b@x.test", "c@x.test" }.Zip(uids))
        {
            var entry = Assert.Single(await Store.ListMaildropAsync(mailbox));
            Assert.Equal(uid, entry.Uid);
            Assert.Equal(20, entry.Size);
            Assert.Equal("Subject: x\r\n\r\nbody\r\n", Encoding.UTF8.GetString((await Store.ReadMessageAsync(mailbox, uid))!));
        }
    }

    [Fact]
    public async Task ReadMessageAsync_UidOfAnotherMailbox_Null()
    {
        var uids = await Store.DeliverAsync(Message("x\r\n"), ["a@x.test"]);
        Assert.Null(await Store.ReadMessageAsync("b@x.test", uids[0]));
        Assert.Null(await Store.ReadMessageAsync("a@x.test", uids[0] + 1000));
    }

    [Fact]
    public async Task DeliverAsync_UidsIncreaseAcrossReopen()
    {
        var first = await Store.DeliverAsync(Message("1\r\n"), ["a@x.test"]);
        var store = await ReopenAsync();
        var second = await store.DeliverAsync(Message("2\r\n"), ["a@x.test"]);
        Assert.True(second[0] > first[0]);
        Assert.Equal((2, 6L), await store.GetMaildropSummaryAsync("a@x.test"));
    }

    [Fact]
    public async Task DeliverAsync_NoMailboxes_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeliverAsync(Message("x"), []));
    }

    [Fact]
    public async Task DeliverAsync_BinaryContent_ByteExact()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var uids = await Store.DeliverAsync(new StoredMessage("Q", "", DateTimeOffset.UtcNow, bytes), ["a@x.test"]);
        Assert.Equal(bytes, await Store.ReadMessageAsync("a@x.test", uids[0]));
    }

    [Fact]
    public async Task DeleteMessagesAsync_SharedContent_KeptUntilLastMaildropLetsGo()
    {
        var uids = await Store.DeliverAsync(Message("shared\r\n"), ["a@x.test", "b@x.test"]);

        Assert.Equal(1, await Store.DeleteMessagesAsync("a@x.test", [uids[0], 99999]));
        Assert.Empty(await Store.ListMaildropAsync("a@x.test"));
        Assert.Equal("shared\r\n", Encoding.UTF8.GetString((await Store.ReadMessageAsync("b@x.test", uids[1]))!));
        Assert.Equal(1, await CountContentAsync());

        Assert.Equal(1, await Store.DeleteMessagesAsync("b@x.test", uids: null));
        Assert.Equal(0, await CountContentAsync());
    }

    [Fact]
    public async Task DeleteMessagesAsync_LastTwoReferencesAtOnce_ContentRemoved()
    {
        for (var i = 0; i < 20; i++)
        {
            await Store.DeliverAsync(Message($"race {i}\r\n"), ["a@x.test", "b@x.test"]);
        }

        await Task.WhenAll(
            Task.Run(() => Store.DeleteMessagesAsync("a@x.test", uids: null)),
            Task.Run(() => Store.DeleteMessagesAsync("b@x.test", uids: null)));
        Assert.Equal(0, await CountContentAsync());
    }

    [Fact]
    public async Task DeleteMessagesAsync_ThenDeliver_UidNotReused()
    {
        var first = await Store.DeliverAsync(Message("1\r\n"), ["a@x.test"]);
        await Store.DeleteMessagesAsync("a@x.test", uids: null);
        var second = await (await ReopenAsync()).DeliverAsync(Message("2\r\n"), ["a@x.test"]);
        Assert.True(second[0] > first[0]);
    }

    [Fact]
    public async Task PingAsync_Open_True()
    {
        Assert.True(await Store.PingAsync());
    }
}
