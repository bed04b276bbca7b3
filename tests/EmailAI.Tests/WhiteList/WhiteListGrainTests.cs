using EmailAI.Contracts;
using EmailAI.Grains;
using EmailAI.Storage.Sqlite;
using EmailAI.Tests.Storage;
using Orleans.Storage;

namespace EmailAI.Tests.WhiteList;

/// <summary>
/// <see cref="WhiteListGrain"/> in a real silo over the embedded database: a list stored as one grain-state document
/// by an earlier version is moved into the white-list table on first activation (and the document cleared); matches
/// reach the table when the grain deactivates; an admin PUT on a full list evicts instead of refusing; relayed
/// recipients are normalised, and neither the owner nor a malformed address is added.
/// </summary>
public sealed class WhiteListGrainTests : IDisposable
{
    private const string Owner = "alice@local.test";

    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Activation_ListStoredAsGrainState_MovedIntoTheTableAndStateCleared()
    {
        var addedAt = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var legacy = new WhiteListState();
        legacy.Entries["friend@remote.test"] = new WhiteListEntry("friend@remote.test", addedAt, WhiteListSources.Relayed, addedAt.AddDays(9));
        legacy.Entries["partner@remote.test"] = new WhiteListEntry("partner@remote.test", addedAt.AddDays(1), WhiteListSources.Admin, null);

        await using (var silo = await WhiteListTestSilo.StartAsync(_temp.Database, maxEntries: 100))
        {
            var grainId = silo.GrainFactory.GetGrain<IWhiteListGrain>(Owner).GetGrainId();
            await silo.GrainStorage.WriteStateAsync(StorageNames.WhiteListState, grainId, new GrainState<WhiteListState>(legacy));

            var list = await silo.GrainFactory.GetGrain<IWhiteListGrain>(Owner).ListAsync();

            Assert.Equal(legacy.Entries.Values.OrderBy(e => e.Address, StringComparer.Ordinal), list);
            Assert.True(await silo.GrainFactory.GetGrain<IWhiteListGrain>(Owner).TrustsAsync("Friend@Remote.Test"));
            var after = new GrainState<WhiteListState>();
            await silo.GrainStorage.ReadStateAsync(StorageNames.WhiteListState, grainId, after);
            Assert.False(after.RecordExists, "the old grain-state document is still there");
        }

        // The rows are the list now: a new activation (after a restart) reads them, with nothing left to move.
        Assert.Equal(2, await new SqliteWhiteListStore(_temp.Database).CountAsync(Owner));
        await using var restarted = await WhiteListTestSilo.StartAsync(_temp.Database, maxEntries: 100);
        Assert.Equal(["friend@remote.test", "partner@remote.test"], (await restarted.GrainFactory.GetGrain<IWhiteListGrain>(Owner).ListAsync()).Select(e => e.Address));
    }

    [Fact]
    public async Task Deactivation_MatchesInMemory_WrittenToTheTable()
    {
        var store = new SqliteWhiteListStore(_temp.Database);
        await using (var silo = await WhiteListTestSilo.StartAsync(_temp.Database, maxEntries: 100))
        {
            var grain = silo.GrainFactory.GetGrain<IWhiteListGrain>(Owner);
            Assert.Equal(AdminOutcome.Created, (await grain.PutAsync("friend@remote.test")).Outcome);
            Assert.True(await grain.TrustsAsync("friend@remote.test"));

            Assert.NotNull(Assert.Single(await grain.ListAsync()).LastMatchedAt);
            Assert.Null(Assert.Single(await store.ListAsync(Owner)).LastMatchedAt);
            await silo.StopAsync();
        }

        Assert.NotNull(Assert.Single(await store.ListAsync(Owner)).LastMatchedAt);
    }

    [Fact]
    public async Task PutAsync_ListFull_EvictsTheLeastRecentlyMatchedInsteadOfRefusing()
    {
        await using var silo = await WhiteListTestSilo.StartAsync(_temp.Database, maxEntries: 2);
        var grain = silo.GrainFactory.GetGrain<IWhiteListGrain>(Owner);
        await grain.PutAsync("old@remote.test");
        await grain.PutAsync("used@remote.test");
        Assert.True(await grain.TrustsAsync("used@remote.test"));

        var result = await grain.PutAsync("new@remote.test");

        Assert.Equal(AdminOutcome.Created, result.Outcome);
        Assert.Equal(["new@remote.test", "used@remote.test"], (await grain.ListAsync()).Select(e => e.Address));
        Assert.False(await grain.TrustsAsync("old@remote.test"));
        Assert.Equal(2, await new SqliteWhiteListStore(_temp.Database).CountAsync(Owner));
    }

    [Fact]
    public async Task AddRelayedRecipientsAsync_AutoWhiteListOn_AddsNormalisedNeverTheOwnerNorMalformed()
    {
        // (Switched off, nothing is added: Relay/WhiteListTests.AutoWhiteListOff_RelayedRecipientsNotAdded, end to end.)
        await using var silo = await WhiteListTestSilo.StartAsync(_temp.Database, maxEntries: 100);
        var grain = silo.GrainFactory.GetGrain<IWhiteListGrain>(Owner);
        var policy = silo.GrainFactory.GetGrain<IRelayPolicyGrain>(GrainKeys.RelayPolicy);
        Assert.True((await policy.UpdateAsync(new RelaySettingsUpdate(AutoWhiteListRecipients: true))).Succeeded);

        // One-way: wait for its effect.
        await grain.AddRelayedRecipientsAsync(["Friend@Remote.Test", "ALICE@local.test", "not an address"]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<WhiteListEntry> list;
        while ((list = await grain.ListAsync()).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "nothing was added");
            await Task.Delay(20);
        }

        var entry = Assert.Single(list);
        Assert.Equal("friend@remote.test", entry.Address);
        Assert.Equal(WhiteListSources.Relayed, entry.Source);
    }

    [Fact]
    public async Task ClearAsync_AccountDeleted_RowsGone()
    {
        await using var silo = await WhiteListTestSilo.StartAsync(_temp.Database, maxEntries: 100);
        var grain = silo.GrainFactory.GetGrain<IWhiteListGrain>(Owner);
        await grain.PutAsync("friend@remote.test");

        await grain.ClearAsync();

        Assert.Empty(await grain.ListAsync());
        Assert.Equal(0, await new SqliteWhiteListStore(_temp.Database).CountAsync(Owner));
    }
}
