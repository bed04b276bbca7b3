using EmailAI.Contracts;
using EmailAI.Storage;

namespace EmailAI.Tests.WhiteList;

/// <summary>
/// The <see cref="IWhiteListStore"/> contract, run against every backend (SQLite embedded, PostgreSQL cluster): rows
/// per (owner, address) inserted only when absent, owners isolated, the bound kept in the add's own transaction by
/// evicting the entries matched least recently (never-matched by when they were added, this call's new rows last),
/// match times recorded in batch and never moved backwards, and all of it still there after a restart.
/// </summary>
public abstract class WhiteListStoreContractTests : IAsyncLifetime
{
    private const string Alice = "alice@local.test";
    private const string Bob = "bob@local.test";

    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private IWhiteListStore? _store;

    protected IWhiteListStore Store => _store ?? throw new InvalidOperationException("Not opened.");

    /// <summary>Opens a store on a new, empty database.</summary>
    protected abstract Task<IWhiteListStore> OpenAsync();

    /// <summary>Closes and reopens the same database, as a restart would.</summary>
    protected abstract Task<IWhiteListStore> ReopenAsync();

    public async Task InitializeAsync() => _store = await OpenAsync();

    public abstract Task DisposeAsync();

    private static WhiteListEntry Entry(string address, int addedMinute, int? matchedMinute = null, string source = WhiteListSources.Relayed) =>
        new(address, T0.AddMinutes(addedMinute), source, matchedMinute is { } m ? T0.AddMinutes(m) : null);

    private async Task<string[]> AddressesAsync(string owner) => [.. (await Store.ListAsync(owner)).Select(e => e.Address)];

    [Fact]
    public async Task ListAsync_OwnerWithNoEntries_Empty()
    {
        Assert.Empty(await Store.ListAsync(Alice));
        Assert.Equal(0, await Store.CountAsync(Alice));
    }

    [Fact]
    public async Task AddAsync_NewEntries_StoredWithTheirTimesAndSourceOrderedByAddress()
    {
        var result = await Store.AddAsync(Alice, [Entry("zed@remote.test", 1), Entry("amy@remote.test", 2, 3, WhiteListSources.Admin)], maxEntries: 10);

        Assert.Equal(["amy@remote.test", "zed@remote.test"], result.Added.Order(StringComparer.Ordinal));
        Assert.Empty(result.Evicted);
        Assert.Equal([Entry("amy@remote.test", 2, 3, WhiteListSources.Admin), Entry("zed@remote.test", 1)], await Store.ListAsync(Alice));
        Assert.Equal(2, await Store.CountAsync(Alice));
    }

    [Fact]
    public async Task AddAsync_AddressAlreadyListed_RowKeptUnchangedAndNotReportedAdded()
    {
        await Store.AddAsync(Alice, [Entry("amy@remote.test", 1, 2)], maxEntries: 10);

        var result = await Store.AddAsync(Alice, [Entry("amy@remote.test", 5, null, WhiteListSources.Admin), Entry("bea@remote.test", 5)], maxEntries: 10);

        Assert.Equal(["bea@remote.test"], result.Added);
        Assert.Equal(Entry("amy@remote.test", 1, 2), (await Store.ListAsync(Alice))[0]);
    }

    [Fact]
    public async Task AddAsync_DuplicateAddressesInOneCall_FirstWins()
    {
        var result = await Store.AddAsync(Alice, [Entry("amy@remote.test", 1), Entry("amy@remote.test", 2, 3, WhiteListSources.Admin)], maxEntries: 10);

        Assert.Equal(["amy@remote.test"], result.Added);
        Assert.Equal([Entry("amy@remote.test", 1)], await Store.ListAsync(Alice));
    }

    [Fact]
    public async Task AddAsync_KeysComparedExactly_NoFolding()
    {
        await Store.AddAsync(Alice, [Entry("amy@remote.test", 1), Entry("Amy@remote.test", 1)], maxEntries: 10);
        Assert.Equal(2, await Store.CountAsync(Alice));
        Assert.Empty(await Store.ListAsync("Alice@local.test"));
    }

    [Fact]
    public async Task AddAsync_PastTheBound_EvictsLeastRecentlyMatched_NeverMatchedCountFromAdded()
    {
        // amy: added 1, matched 50. bea: added 2, never matched (counts as 2). cat: added 3, matched 40.
        await Store.AddAsync(Alice, [Entry("amy@remote.test", 1, 50), Entry("bea@remote.test", 2), Entry("cat@remote.test", 3, 40)], maxEntries: 3);

        var first = await Store.AddAsync(Alice, [Entry("dan@remote.test", 60)], maxEntries: 3);
        Assert.Equal(["dan@remote.test"], first.Added);
        Assert.Equal(["bea@remote.test"], first.Evicted);

        var second = await Store.AddAsync(Alice, [Entry("eve@remote.test", 61), Entry("fay@remote.test", 61)], maxEntries: 3);
        Assert.Equal(["amy@remote.test", "cat@remote.test"], second.Evicted.Order(StringComparer.Ordinal));
        Assert.Equal(["dan@remote.test", "eve@remote.test", "fay@remote.test"], await AddressesAsync(Alice));
    }

    [Fact]
    public async Task AddAsync_OldEntryTiesWithTheNewOne_OldOneEvicted()
    {
        // zed was matched at the very millisecond amy is added: the new row goes last, so a PUT never undoes itself.
        await Store.AddAsync(Alice, [Entry("zed@remote.test", 1, 10)], maxEntries: 1);

        var result = await Store.AddAsync(Alice, [Entry("amy@remote.test", 10)], maxEntries: 1);

        Assert.Equal(["zed@remote.test"], result.Evicted);
        Assert.Equal(["amy@remote.test"], await AddressesAsync(Alice));
    }

    [Fact]
    public async Task AddAsync_CallAlonePassesTheBound_OldRowsFirstThenTheOldestNewOnes()
    {
        await Store.AddAsync(Alice, [Entry("old@remote.test", 1, 90)], maxEntries: 2);

        var result = await Store.AddAsync(Alice, [Entry("c@remote.test", 5), Entry("a@remote.test", 7), Entry("b@remote.test", 5)], maxEntries: 2);

        Assert.Equal(3, result.Added.Count);
        Assert.Equal(["b@remote.test", "old@remote.test"], result.Evicted.Order(StringComparer.Ordinal));
        Assert.Equal(["a@remote.test", "c@remote.test"], await AddressesAsync(Alice));
    }

    [Fact]
    public async Task AddAsync_NothingNew_NothingEvictedEvenOverTheBound()
    {
        await Store.AddAsync(Alice, [Entry("amy@remote.test", 1), Entry("bea@remote.test", 2)], maxEntries: 5);

        var result = await Store.AddAsync(Alice, [Entry("amy@remote.test", 3)], maxEntries: 1);

        Assert.Equal(WhiteListAddition.None.Added, result.Added);
        Assert.Empty(result.Evicted);
        Assert.Equal(2, await Store.CountAsync(Alice));
    }

    [Fact]
    public async Task AddAsync_OneOwnerFull_AnotherOwnersEntriesUntouched()
    {
        await Store.AddAsync(Bob, [Entry("old@remote.test", 0)], maxEntries: 1);
        await Store.AddAsync(Alice, [Entry("amy@remote.test", 1)], maxEntries: 1);

        var result = await Store.AddAsync(Alice, [Entry("bea@remote.test", 2)], maxEntries: 1);

        Assert.Equal(["amy@remote.test"], result.Evicted);
        Assert.Equal(["old@remote.test"], await AddressesAsync(Bob));
    }

    [Fact]
    public async Task AddAsync_ConcurrentAddsForOneOwner_BoundHeld()
    {
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Store.AddAsync(Alice, [Entry($"r{i}a@remote.test", i), Entry($"r{i}b@remote.test", i)], maxEntries: 5)));

        Assert.Equal(5, await Store.CountAsync(Alice));
    }

    [Fact]
    public async Task DeleteAsync_ListedThenGone_TrueThenFalse_OtherOwnerKept()
    {
        await Store.AddAsync(Alice, [Entry("amy@remote.test", 1), Entry("bea@remote.test", 1)], maxEntries: 10);
        await Store.AddAsync(Bob, [Entry("amy@remote.test", 1)], maxEntries: 10);

        Assert.True(await Store.DeleteAsync(Alice, "amy@remote.test"));
        Assert.False(await Store.DeleteAsync(Alice, "amy@remote.test"));
        Assert.Equal(["bea@remote.test"], await AddressesAsync(Alice));
        Assert.Equal(["amy@remote.test"], await AddressesAsync(Bob));
    }

    [Fact]
    public async Task ClearAsync_Owner_RemovesOnlyThatOwnersEntries()
    {
        await Store.AddAsync(Alice, [Entry("amy@remote.test", 1), Entry("bea@remote.test", 1)], maxEntries: 10);
        await Store.AddAsync(Bob, [Entry("amy@remote.test", 1)], maxEntries: 10);

        Assert.Equal(2, await Store.ClearAsync(Alice));
        Assert.Equal(0, await Store.ClearAsync(Alice));
        Assert.Empty(await Store.ListAsync(Alice));
        Assert.Equal(1, await Store.CountAsync(Bob));
    }

    [Fact]
    public async Task RecordMatchesAsync_Batch_SetsLaterTimesSkipsUnlistedNeverGoesBack()
    {
        await Store.AddAsync(Alice, [Entry("amy@remote.test", 1), Entry("bea@remote.test", 1, 30), Entry("cat@remote.test", 1)], maxEntries: 10);
        await Store.AddAsync(Bob, [Entry("amy@remote.test", 1)], maxEntries: 10);

        await Store.RecordMatchesAsync(Alice, new Dictionary<string, DateTimeOffset>
        {
            ["amy@remote.test"] = T0.AddMinutes(20),
            ["bea@remote.test"] = T0.AddMinutes(10),
            ["gone@remote.test"] = T0.AddMinutes(20),
        });

        var entries = (await Store.ListAsync(Alice)).ToDictionary(e => e.Address);
        Assert.Equal(T0.AddMinutes(20), entries["amy@remote.test"].LastMatchedAt);
        Assert.Equal(T0.AddMinutes(30), entries["bea@remote.test"].LastMatchedAt);
        Assert.Null(entries["cat@remote.test"].LastMatchedAt);
        Assert.Equal(3, entries.Count);
        Assert.Null(Assert.Single(await Store.ListAsync(Bob)).LastMatchedAt);
    }

    [Fact]
    public async Task RecordMatchesAsync_ThenAddPastTheBound_EvictionSeesTheRecordedMatch()
    {
        await Store.AddAsync(Alice, [Entry("amy@remote.test", 1), Entry("bea@remote.test", 2)], maxEntries: 2);
        await Store.RecordMatchesAsync(Alice, new Dictionary<string, DateTimeOffset> { ["amy@remote.test"] = T0.AddMinutes(9) });

        var result = await Store.AddAsync(Alice, [Entry("cat@remote.test", 10)], maxEntries: 2);

        Assert.Equal(["bea@remote.test"], result.Evicted);
    }

    [Fact]
    public async Task Reopen_AfterChanges_RowsAsLeft()
    {
        await Store.AddAsync(Alice, [Entry("amy@remote.test", 1), Entry("bea@remote.test", 2)], maxEntries: 10);
        await Store.RecordMatchesAsync(Alice, new Dictionary<string, DateTimeOffset> { ["bea@remote.test"] = T0.AddMinutes(3) });
        await Store.DeleteAsync(Alice, "amy@remote.test");

        _store = await ReopenAsync();

        Assert.Equal([Entry("bea@remote.test", 2, 3)], await Store.ListAsync(Alice));
    }
}
