using System.Text;
using EmailAI.Storage;

namespace EmailAI.Tests.Quarantine;

/// <summary>
/// The <see cref="IQuarantineStore"/> contract, run against both backends: held copies committed in the delivery's
/// transaction and kept out of the maildrop and its usage, listed with their metadata, read byte for byte, released
/// into the maildrop atomically (once), deleted and expired with their content collected only when nothing else
/// refers to it.
/// </summary>
public abstract class QuarantineStoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Received = new(2030, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private IMessageStore? _store;

    protected IMessageStore Store => _store ?? throw new InvalidOperationException("Not opened.");

    protected IQuarantineStore Quarantine => (IQuarantineStore)Store;

    /// <summary>Opens a store on a new, empty database.</summary>
    protected abstract Task<IMessageStore> OpenAsync();

    /// <summary>Closes and reopens the same database, as a restart would.</summary>
    protected abstract Task<IMessageStore> ReopenAsync();

    /// <summary>Rows of stored message content.</summary>
    protected abstract Task<long> CountContentAsync();

    public async Task InitializeAsync() => _store = await OpenAsync();

    public abstract Task DisposeAsync();

    private static StoredMessage Message(string text, DateTimeOffset? at = null, string sender = "bob@remote.test") =>
        new("Q1", sender, at ?? Received, Encoding.UTF8.GetBytes(text));

    private static readonly QuarantineMetadata Metadata = new(
        "Bob <bob@remote.test>", "bob@remote.test", "Hello there", new DateTimeOffset(2030, 3, 1, 10, 29, 0, TimeSpan.FromHours(1)), "mx.test; dmarc=pass", true);

    private Task<long> HoldAsync(string text, params string[] mailboxes) => HoldAsync(Message(text), mailboxes);

    private async Task<long> HoldAsync(StoredMessage message, params string[] mailboxes)
    {
        await Store.CommitAsync(new StoreDelivery(null, [], null, []) { QuarantineCopies = [new QuarantineCopy(message, mailboxes, Metadata)] });
        return (await Quarantine.ListQuarantineAsync(mailboxes[0], 0, 1000))[^1].Id;
    }

    [Fact]
    public async Task Commit_HeldCopy_ListedWithMetadataAndNotInTheMaildropOrItsUsage()
    {
        var id = await HoldAsync("Subject: Hello there\r\n\r\nbody\r\n", "alice@x.test");

        var held = Assert.Single(await Quarantine.ListQuarantineAsync("alice@x.test", 0, 10));
        Assert.Equal(
            new EmailAI.Contracts.QuarantinedMessage(id, "bob@remote.test", Metadata.From, Metadata.FromAddress, Metadata.Subject, Metadata.Date, 30, Received, Metadata.AuthenticationResults, true),
            held);
        Assert.Equal(TimeSpan.FromHours(1), held.Date!.Value.Offset);
        Assert.Equal(held, await Quarantine.GetQuarantinedAsync("alice@x.test", id));
        Assert.Empty(await Store.ListMaildropAsync("alice@x.test"));
        Assert.Equal((0, 0L), await Store.GetMaildropSummaryAsync("alice@x.test"));
        Assert.Empty(await Store.ListMaildropsAsync());
    }

    [Fact]
    public async Task Commit_HeldCopyWithMaildropCopyOfTheSameMessage_BothInOneTransaction()
    {
        var message = Message("Subject: both\r\n\r\nbody\r\n");
        var uids = await Store.CommitAsync(new StoreDelivery(message, ["carol@x.test"], null, [])
        {
            QuarantineCopies = [new QuarantineCopy(message, ["alice@x.test", "dave@x.test"], QuarantineMetadata.None)],
        });

        Assert.Single(uids);
        Assert.Single(await Store.ListMaildropAsync("carol@x.test"));
        var alice = Assert.Single(await Quarantine.ListQuarantineAsync("alice@x.test", 0, 10));
        var dave = Assert.Single(await Quarantine.ListQuarantineAsync("dave@x.test", 0, 10));
        Assert.NotEqual(alice.Id, dave.Id);
        Assert.Null(alice.Subject);
        Assert.Equal("", alice.AuthenticationResults);
        Assert.False(alice.FromAuthenticated);
        Assert.Equal(2, await CountContentAsync());
    }

    [Fact]
    public async Task Commit_QueueRowMissingWithRequiresRows_HeldCopyNotWrittenEither()
    {
        var delivery = new StoreDelivery(null, [], null, [424242])
        {
            QuarantineCopies = [new QuarantineCopy(Message("x\r\n"), ["alice@x.test"], Metadata)],
            RequiresRows = true,
        };

        await Assert.ThrowsAsync<QueueRowsGoneException>(() => Store.CommitAsync(delivery));

        Assert.Empty(await Quarantine.ListQuarantineAsync("alice@x.test", 0, 10));
        Assert.Equal(0, await CountContentAsync());
    }

    [Fact]
    public async Task Read_HeldId_ExactBytesOnlyForItsMailbox()
    {
        var text = "Subject: raw\r\n\r\n\u00e9t\u00e9 \r\n.. dots\r\n";
        var id = await HoldAsync(text, "alice@x.test");

        Assert.Equal(Encoding.UTF8.GetBytes(text), await Quarantine.ReadQuarantinedAsync("alice@x.test", id));
        Assert.Null(await Quarantine.ReadQuarantinedAsync("bob@x.test", id));
        Assert.Null(await Quarantine.GetQuarantinedAsync("bob@x.test", id));
        Assert.Null(await Quarantine.ReadQuarantinedAsync("alice@x.test", id + 1000));
    }

    [Fact]
    public async Task List_AfterAndLimit_PagesInIdOrder()
    {
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await HoldAsync($"Subject: {i}\r\n\r\n", "alice@x.test"));
        }

        await HoldAsync("Subject: other\r\n\r\n", "bob@x.test");

        Assert.Equal(ids[..2], (await Quarantine.ListQuarantineAsync("alice@x.test", 0, 2)).Select(h => h.Id));
        Assert.Equal(ids[2..4], (await Quarantine.ListQuarantineAsync("alice@x.test", ids[1], 2)).Select(h => h.Id));
        Assert.Equal(ids, (await Quarantine.ListQuarantineAsync("alice@x.test", 0, 100)).Select(h => h.Id));
    }

    [Fact]
    public async Task Release_HeldMessage_InTheMaildropWithItsBytesAndUsageAndGoneFromTheQuarantine()
    {
        var text = "Subject: release me\r\n\r\nbody\r\n";
        var id = await HoldAsync(text, "alice@x.test");

        var uid = await Quarantine.ReleaseQuarantinedAsync("alice@x.test", id);

        Assert.NotNull(uid);
        var entry = Assert.Single(await Store.ListMaildropAsync("alice@x.test"));
        Assert.Equal(uid, entry.Uid);
        Assert.Equal(text.Length, entry.Size);
        Assert.Equal(Received, entry.ReceivedAt);
        Assert.Equal(Encoding.UTF8.GetBytes(text), await Store.ReadMessageAsync("alice@x.test", uid.Value));
        Assert.Equal((1, (long)text.Length), await Store.GetMaildropSummaryAsync("alice@x.test"));
        Assert.Empty(await Quarantine.ListQuarantineAsync("alice@x.test", 0, 10));
        Assert.Equal(1, await CountContentAsync());
    }

    [Fact]
    public async Task Release_Twice_SecondFindsNothingAndAddsNoSecondCopy()
    {
        var id = await HoldAsync("x\r\n", "alice@x.test");

        var results = await Task.WhenAll(Quarantine.ReleaseQuarantinedAsync("alice@x.test", id), Quarantine.ReleaseQuarantinedAsync("alice@x.test", id));

        Assert.Single(results, r => r is not null);
        Assert.Null(await Quarantine.ReleaseQuarantinedAsync("alice@x.test", id));
        Assert.Single(await Store.ListMaildropAsync("alice@x.test"));
    }

    [Fact]
    public async Task Release_IdOfAnotherMailbox_NothingMoves()
    {
        var id = await HoldAsync("x\r\n", "alice@x.test");

        Assert.Null(await Quarantine.ReleaseQuarantinedAsync("mallory@x.test", id));

        Assert.Empty(await Store.ListMaildropAsync("mallory@x.test"));
        Assert.Single(await Quarantine.ListQuarantineAsync("alice@x.test", 0, 10));
    }

    [Fact]
    public async Task Delete_OneOfTwoHeldCopies_ContentKeptUntilTheLastGoes()
    {
        var id = await HoldAsync("shared\r\n", "alice@x.test", "bob@x.test");
        var bobs = Assert.Single(await Quarantine.ListQuarantineAsync("bob@x.test", 0, 10)).Id;

        Assert.True(await Quarantine.DeleteQuarantinedAsync("alice@x.test", id));
        Assert.False(await Quarantine.DeleteQuarantinedAsync("alice@x.test", id));
        Assert.Equal(1, await CountContentAsync());
        Assert.Equal("shared\r\n", Encoding.UTF8.GetString((await Quarantine.ReadQuarantinedAsync("bob@x.test", bobs))!));

        Assert.True(await Quarantine.DeleteQuarantinedAsync("bob@x.test", bobs));
        Assert.Equal(0, await CountContentAsync());
    }

    [Fact]
    public async Task MaildropDeletion_ReleasedCopySharingContentWithAHeldOne_ContentKeptForTheQuarantine()
    {
        var id = await HoldAsync("shared\r\n", "alice@x.test", "bob@x.test");
        var bobs = Assert.Single(await Quarantine.ListQuarantineAsync("bob@x.test", 0, 10)).Id;
        var uid = await Quarantine.ReleaseQuarantinedAsync("alice@x.test", id);

        // Alice's maildrop row now shares the content row with Bob's held row: POP3 deleting hers must leave his.
        Assert.Equal(1, await Store.DeleteMessagesAsync("alice@x.test", [uid!.Value]));

        Assert.Equal("shared\r\n", Encoding.UTF8.GetString((await Quarantine.ReadQuarantinedAsync("bob@x.test", bobs))!));
        Assert.Equal(1, await CountContentAsync());
        Assert.True(await Quarantine.DeleteQuarantinedAsync("bob@x.test", bobs));
        Assert.Equal(0, await CountContentAsync());
    }

    [Fact]
    public async Task Clear_Mailbox_OnlyItsHeldMailGoes()
    {
        await HoldAsync("a\r\n", "alice@x.test");
        await HoldAsync("b\r\n", "alice@x.test");
        await HoldAsync("c\r\n", "bob@x.test");

        Assert.Equal(2, await Quarantine.ClearQuarantineAsync("alice@x.test"));

        Assert.Empty(await Quarantine.ListQuarantineAsync("alice@x.test", 0, 10));
        Assert.Single(await Quarantine.ListQuarantineAsync("bob@x.test", 0, 10));
        Assert.Equal(1, await CountContentAsync());
    }

    [Fact]
    public async Task Expire_Cutoff_RemovesOnlyOlderOldestFirstUpToTheLimit()
    {
        var oldest = await HoldAsync(Message("1\r\n", Received.AddDays(-40)), "alice@x.test");
        var older = await HoldAsync(Message("2\r\n", Received.AddDays(-31)), "bob@x.test");
        var young = await HoldAsync(Message("3\r\n", Received.AddDays(-29)), "alice@x.test");
        var cutoff = Received.AddDays(-30);

        Assert.Equal(1, await Quarantine.ExpireQuarantineAsync(cutoff, 1));
        Assert.Null(await Quarantine.GetQuarantinedAsync("alice@x.test", oldest));
        Assert.NotNull(await Quarantine.GetQuarantinedAsync("bob@x.test", older));

        Assert.Equal(1, await Quarantine.ExpireQuarantineAsync(cutoff, 10));
        Assert.Equal(0, await Quarantine.ExpireQuarantineAsync(cutoff, 10));
        Assert.Equal([young], (await Quarantine.ListQuarantineAsync("alice@x.test", 0, 10)).Select(h => h.Id));
        Assert.Equal(1, await CountContentAsync());
    }

    [Fact]
    public async Task Reopen_HeldMessage_SurvivesAndIdsAreNotReused()
    {
        var first = await HoldAsync("x\r\n", "alice@x.test");
        Assert.True(await Quarantine.DeleteQuarantinedAsync("alice@x.test", first));
        var second = await HoldAsync("y\r\n", "alice@x.test");

        _store = await ReopenAsync();

        Assert.Equal(Metadata.Subject, (await Quarantine.GetQuarantinedAsync("alice@x.test", second))?.Subject);
        var third = await HoldAsync("z\r\n", "alice@x.test");
        Assert.True(third > second && second > first);
    }
}
