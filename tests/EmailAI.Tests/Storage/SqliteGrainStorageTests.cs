using EmailAI.Storage;
using EmailAI.Storage.Sqlite;
using Orleans.Runtime;
using Orleans.Storage;

namespace EmailAI.Tests.Storage;

public sealed class SqliteGrainStorageTests
{
    public sealed class Sample
    {
        public string Name { get; set; } = "";

        public HashSet<string> Items { get; set; } = [];
    }

    private sealed class Holder : IGrainState<Sample>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public Sample State { get; set; } = new();

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }

    private static readonly GrainId Id = GrainId.Create("test", "key-1");

    [Fact]
    public async Task WriteThenRead_RoundTripsStateAndETag()
    {
        using var temp = new TempDatabase();
        var storage = new SqliteGrainStorage(temp.Database, new JsonGrainStateSerializer());
        var state = new Holder { State = new Sample { Name = "n", Items = ["a", "b"] } };
        await storage.WriteStateAsync("sample", Id, state);

        var read = new Holder();
        await new SqliteGrainStorage(temp.Reopen(), new JsonGrainStateSerializer()).ReadStateAsync("sample", Id, read);
        Assert.True(read.RecordExists);
        Assert.Equal("n", read.State.Name);
        Assert.Equal(["a", "b"], read.State.Items.Order());
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task Write_StaleETag_InconsistentStateAndStoredStateKept()
    {
        using var temp = new TempDatabase();
        var storage = new SqliteGrainStorage(temp.Database, new JsonGrainStateSerializer());
        var first = new Holder { State = new Sample { Name = "first" } };
        await storage.WriteStateAsync("sample", Id, first);
        var stale = new Holder { State = new Sample { Name = "stale" }, ETag = first.ETag };
        await storage.WriteStateAsync("sample", Id, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("sample", Id, stale));
        var read = new Holder();
        await storage.ReadStateAsync("sample", Id, read);
        Assert.Equal("first", read.State.Name);
    }

    [Fact]
    public async Task FirstWrite_RowAlreadyExists_InconsistentState()
    {
        using var temp = new TempDatabase();
        var storage = new SqliteGrainStorage(temp.Database, new JsonGrainStateSerializer());
        await storage.WriteStateAsync("sample", Id, new Holder());
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("sample", Id, new Holder()));
    }

    [Fact]
    public async Task StateNames_SameGrainId_DoNotCollide()
    {
        using var temp = new TempDatabase();
        var storage = new SqliteGrainStorage(temp.Database, new JsonGrainStateSerializer());
        await storage.WriteStateAsync("one", Id, new Holder { State = new Sample { Name = "one" } });
        await storage.WriteStateAsync("two", Id, new Holder { State = new Sample { Name = "two" } });
        var read = new Holder();
        await storage.ReadStateAsync("one", Id, read);
        Assert.Equal("one", read.State.Name);
    }

    [Fact]
    public async Task Clear_ThenRead_NoRecord()
    {
        using var temp = new TempDatabase();
        var storage = new SqliteGrainStorage(temp.Database, new JsonGrainStateSerializer());
        var state = new Holder { State = new Sample { Name = "x" } };
        await storage.WriteStateAsync("sample", Id, state);
        await storage.ClearStateAsync("sample", Id, state);
        var read = new Holder();
        await storage.ReadStateAsync("sample", Id, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Equal("", read.State.Name);
    }
}
