using EmailAI.Contracts;
using EmailAI.Grains.WhiteList;
using EmailAI.Storage.Sqlite;
using EmailAI.Tests.Smtp;
using EmailAI.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.WhiteList;

/// <summary>
/// The white-list grain's memory over its rows (<see cref="WhiteListBook"/>), on the embedded store with a fake
/// clock: a match costs no write until the batch flush, a full list evicts the entries matched least recently (and
/// says so once), and what memory holds is what a reload reads.
/// </summary>
public sealed class WhiteListBookTests : IDisposable
{
    private const string Owner = "alice@local.test";

    private readonly TempDatabase _temp = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly CapturingLogger<WhiteListBookTests> _log = new();
    private readonly RecordingWhiteListStore _store;

    public WhiteListBookTests() => _store = new RecordingWhiteListStore(new SqliteWhiteListStore(_temp.Database));

    public void Dispose() => _temp.Dispose();

    private Task<WhiteListBook> LoadAsync(int maxEntries = 100) => WhiteListBook.LoadAsync(Owner, _store, maxEntries, _time, _log);

    [Fact]
    public async Task Trusts_ListedAddress_MatchCountedInMemoryWithoutAWrite()
    {
        var book = await LoadAsync();
        await book.AddAsync(["amy@remote.test", "bea@remote.test"], WhiteListSources.Relayed);
        _store.Writes.Clear();
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.True(book.Trusts("amy@remote.test"));
        Assert.True(book.Trusts("amy@remote.test"));
        Assert.False(book.Trusts("stranger@remote.test"));

        Assert.Empty(_store.Writes);
        Assert.Equal(_time.GetUtcNow(), book.List().Single(e => e.Address == "amy@remote.test").LastMatchedAt);
        Assert.Null((await _store.ListAsync(Owner)).Single(e => e.Address == "amy@remote.test").LastMatchedAt);
    }

    [Fact]
    public async Task FlushMatchesAsync_SeveralMatches_OneBatchWriteThenNothingToWrite()
    {
        var book = await LoadAsync();
        await book.AddAsync(["amy@remote.test", "bea@remote.test", "cat@remote.test"], WhiteListSources.Relayed);
        _store.Writes.Clear();
        _time.Advance(TimeSpan.FromMinutes(1));
        book.Trusts("amy@remote.test");
        _time.Advance(TimeSpan.FromMinutes(1));
        book.Trusts("bea@remote.test");
        book.Trusts("amy@remote.test");

        await book.FlushMatchesAsync();
        await book.FlushMatchesAsync();

        Assert.Equal(["matches:2"], _store.Writes);
        var reloaded = await LoadAsync();
        Assert.Equal(book.List(), reloaded.List());
        Assert.Equal(_time.GetUtcNow(), reloaded.List()[0].LastMatchedAt);
        Assert.Null(reloaded.List()[2].LastMatchedAt);
    }

    [Fact]
    public async Task FlushMatchesAsync_StoreFails_MatchesKeptForTheNextFlush()
    {
        var book = await LoadAsync();
        await book.AddAsync(["amy@remote.test"], WhiteListSources.Relayed);
        book.Trusts("amy@remote.test");
        _store.FailWrites = new TimeoutException("database away");

        await Assert.ThrowsAsync<TimeoutException>(() => book.FlushMatchesAsync());
        Assert.Equal(1, book.UnsavedMatches);

        _store.FailWrites = null;
        await book.FlushMatchesAsync();
        Assert.Equal(0, book.UnsavedMatches);
        Assert.NotNull(Assert.Single(await _store.ListAsync(Owner)).LastMatchedAt);
    }

    [Fact]
    public async Task AddAsync_PastTheBound_EvictsTheEntriesMatchedLeastRecently_OneLogLine()
    {
        var book = await LoadAsync(maxEntries: 3);
        await book.AddAsync(["amy@remote.test"], WhiteListSources.Relayed);
        _time.Advance(TimeSpan.FromMinutes(1));
        await book.AddAsync(["bea@remote.test"], WhiteListSources.Relayed);
        _time.Advance(TimeSpan.FromMinutes(1));
        await book.AddAsync(["cat@remote.test"], WhiteListSources.Admin);

        // amy is the oldest but was matched (and not yet flushed); bea was never matched and is older than cat.
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(book.Trusts("amy@remote.test"));
        _time.Advance(TimeSpan.FromMinutes(1));
        var added = await book.AddAsync(["dan@remote.test", "eve@remote.test"], WhiteListSources.Relayed);

        Assert.Equal(2, added.Count);
        Assert.Equal(["amy@remote.test", "dan@remote.test", "eve@remote.test"], book.List().Select(e => e.Address));
        Assert.Equal(book.List(), (await LoadAsync(maxEntries: 3)).List());
        var line = Assert.Single(_log.Lines);
        Assert.Contains(Owner, line, StringComparison.Ordinal);
        Assert.Contains("evicted 2 entries", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddAsync_AddressAlreadyListed_NoWriteAndNotAdded()
    {
        var book = await LoadAsync();
        await book.AddAsync(["amy@remote.test"], WhiteListSources.Relayed);
        _store.Writes.Clear();

        Assert.Empty(await book.AddAsync(["amy@remote.test", "amy@remote.test"], WhiteListSources.Admin));
        Assert.Empty(_store.Writes);
        Assert.Equal(WhiteListSources.Relayed, Assert.Single(book.List()).Source);
    }

    [Fact]
    public async Task AddAsync_StoreFails_MemoryUnchanged()
    {
        var book = await LoadAsync();
        _store.FailWrites = new TimeoutException("database away");

        await Assert.ThrowsAsync<TimeoutException>(() => book.AddAsync(["amy@remote.test"], WhiteListSources.Relayed));

        Assert.Empty(book.List());
        Assert.False(book.Trusts("amy@remote.test"));
    }

    [Fact]
    public async Task DeleteAsync_MatchedEntry_RowGoneAndItsMatchNotFlushed()
    {
        var book = await LoadAsync();
        await book.AddAsync(["amy@remote.test", "bea@remote.test"], WhiteListSources.Relayed);
        book.Trusts("amy@remote.test");

        Assert.True(await book.DeleteAsync("amy@remote.test"));
        Assert.False(await book.DeleteAsync("amy@remote.test"));

        Assert.Equal(0, book.UnsavedMatches);
        Assert.Equal(["bea@remote.test"], (await _store.ListAsync(Owner)).Select(e => e.Address));
    }

    [Fact]
    public async Task ImportAsync_StoredEntries_KeptWithTheirTimesAndSafeToRepeat()
    {
        var book = await LoadAsync();
        WhiteListEntry[] legacy =
        [
            new("amy@remote.test", _time.GetUtcNow().AddDays(-30), WhiteListSources.Relayed, _time.GetUtcNow().AddDays(-2)),
            new("bea@remote.test", _time.GetUtcNow().AddDays(-20), WhiteListSources.Admin, null),
        ];

        Assert.Equal(2, (await book.ImportAsync(legacy)).Count);
        Assert.Empty(await book.ImportAsync(legacy));

        Assert.Equal(legacy, (await LoadAsync()).List());
    }
}
