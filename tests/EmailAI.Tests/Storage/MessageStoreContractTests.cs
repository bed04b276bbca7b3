using EmailAI.Contracts;
using System.Text;
using EmailAI.Storage;

namespace EmailAI.Tests.Storage;

/// <summary>
/// The <see cref="IMessageStore"/> contract, run against every backend (SQLite embedded, PostgreSQL cluster):
/// content stored once, maildrops isolated, uids never reused, deletions atomic with shared content kept
/// until its last reference goes, bytes exact; and the outbound queue: a delivery's maildrop rows, queue rows
/// and completed queue rows committed together, due rows found by destination and time, queue ids never
/// reused, outbound content kept until its last recipient is done.
/// </summary>
public abstract partial class MessageStoreContractTests : IAsyncLifetime
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

    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>An outbound copy whose recipients wait in the queue of their domain.</summary>
    private static OutboundMessage Outbound(string text, DateTimeOffset firstAttemptAt, params string[] recipients) =>
        new(
            new StoredMessage("Q2", "bob@remote.test", T0, Encoding.UTF8.GetBytes(text)),
            [.. recipients.Select(r => new OutboundRecipient(r, r[(r.IndexOf('@') + 1)..]))],
            firstAttemptAt);

    private Task<IReadOnlyList<long>> EnqueueAsync(string text, DateTimeOffset firstAttemptAt, params string[] recipients) =>
        Store.CommitAsync(new StoreDelivery(null, [], Outbound(text, firstAttemptAt, recipients), []));

    private async Task<IReadOnlyList<QueuedRecipient>> AllQueuedAsync() => await Store.ListQueueAsync(0, 10_000);

    private async Task<string?> ReadOutboundTextAsync(long messageId) =>
        await Store.ReadOutboundAsync(messageId) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    [Fact]
    public async Task CommitAsync_MailboxesAndOutbound_BothVisible()
    {
        var local = new StoredMessage("Q1", "bob@remote.test", T0, Encoding.UTF8.GetBytes("Subject: hi\r\n\r\nbody\r\n"));
        var outbound = Outbound("Return-Path: <bob@remote.test>\r\nSubject: hi\r\n\r\nbody\r\n", T0.AddMinutes(1), "Carol@far.test", "dave@other.test");

        var uids = await Store.CommitAsync(new StoreDelivery(local, ["a@x.test", "b@x.test"], outbound, []));

        Assert.Equal(2, uids.Count);
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", Encoding.UTF8.GetString((await Store.ReadMessageAsync("b@x.test", uids[1]))!));
        Assert.Equal(2, await CountContentAsync());
        var rows = await AllQueuedAsync();
        Assert.Equal(["Carol@far.test", "dave@other.test"], rows.Select(r => r.Recipient));
        Assert.Equal(["far.test", "other.test"], rows.Select(r => r.Destination));
        var row = rows[0];
        Assert.Equal(rows[1].MessageId, row.MessageId);
        Assert.Equal(("Q2", "bob@remote.test", T0, 53L), (row.QueueId, row.Sender, row.ReceivedAt, row.Size));
        Assert.Equal((0, T0.AddMinutes(1), (string?)null, false), (row.Attempts, row.NextAttemptAt, row.LastError, row.DelayWarned));
        Assert.Equal("Return-Path: <bob@remote.test>\r\nSubject: hi\r\n\r\nbody\r\n", await ReadOutboundTextAsync(row.MessageId));
        Assert.Equal(row, await Store.GetQueuedAsync(row.Id));
    }

    [Fact]
    public async Task CommitAsync_OutboundWithTraceParent_EveryRowReturnsIt_OthersNone_OverlongNotStored()
    {
        const string parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var traced = Outbound("traced\r\n", T0, "carol@far.test", "dave@far.test") with { TraceParent = parent };
        var notice = new OutboundMessage(new StoredMessage("Q3", "", T0, Encoding.UTF8.GetBytes("notice\r\n")), [new OutboundRecipient("erin@near.test", "near.test")], T0)
        {
            TraceParent = parent + "-and-more-than-a-traceparent",
        };

        await Store.CommitAsync(new StoreDelivery(null, [], traced, []) { AdditionalOutbound = [notice] });
        await EnqueueAsync("untraced\r\n", T0, "frank@far.test");

        var rows = await AllQueuedAsync();
        Assert.Equal([parent, parent, null, null], rows.OrderBy(r => r.Id).Select(r => r.TraceParent));
        Assert.Equal(parent, (await Store.ListDueAsync("far.test", T0, 10)).First(r => r.Recipient == "carol@far.test").TraceParent);
        Assert.Equal(parent, (await Store.GetQueuedAsync(rows[0].Id))!.TraceParent);
    }

    [Fact]
    public async Task CommitAsync_AdditionalCopies_EachMaildropGetsItsOwnContentAndUidsFollowInOrder()
    {
        var plain = new StoredMessage("Q1", "bob@remote.test", T0, Encoding.UTF8.GetBytes("Subject: hi\r\n\r\nbody\r\n"));
        var marked = plain with { Content = Encoding.UTF8.GetBytes("X-Mark: yes\r\nSubject: hi\r\n\r\nbody\r\n") };

        var uids = await Store.CommitAsync(new StoreDelivery(plain, ["a@x.test"], null, [])
        {
            AdditionalCopies = [new LocalCopy(marked, ["b@x.test", "c@x.test"]), new LocalCopy(marked, [])],
        });

        Assert.Equal(3, uids.Count);
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", Encoding.UTF8.GetString((await Store.ReadMessageAsync("a@x.test", uids[0]))!));
        Assert.StartsWith("X-Mark: yes\r\n", Encoding.UTF8.GetString((await Store.ReadMessageAsync("b@x.test", uids[1]))!));
        Assert.StartsWith("X-Mark: yes\r\n", Encoding.UTF8.GetString((await Store.ReadMessageAsync("c@x.test", uids[2]))!));
        Assert.Equal(2, await CountContentAsync());
    }

    [Fact]
    public async Task CommitAsync_OnlyAdditionalCopies_Delivered()
    {
        var marked = new StoredMessage("Q1", "bob@remote.test", T0, Encoding.UTF8.GetBytes("X-Mark: yes\r\n\r\nbody\r\n"));

        var uids = await Store.CommitAsync(new StoreDelivery(null, [], null, []) { AdditionalCopies = [new LocalCopy(marked, ["b@x.test"])] });

        Assert.Equal("X-Mark: yes\r\n\r\nbody\r\n", Encoding.UTF8.GetString((await Store.ReadMessageAsync("b@x.test", Assert.Single(uids)))!));
    }

    [Fact]
    public async Task CommitAsync_OutboundOnly_NoUidsNoMaildrop()
    {
        var uids = await EnqueueAsync("relayed\r\n", T0, "carol@far.test");

        Assert.Empty(uids);
        var row = Assert.Single(await AllQueuedAsync());
        Assert.Equal("relayed\r\n", await ReadOutboundTextAsync(row.MessageId));
        Assert.Equal(1, await CountContentAsync());
    }

    [Fact]
    public async Task CommitAsync_CompletesAndDsnToMaildrop_OneStep()
    {
        await EnqueueAsync("to bounce\r\n", T0, "carol@far.test", "dave@far.test");
        var rows = await AllQueuedAsync();
        var dsn = new StoredMessage("Q3", "", T0, Encoding.UTF8.GetBytes("Subject: Undelivered Mail\r\n\r\ncarol\r\n"));

        var uids = await Store.CommitAsync(new StoreDelivery(dsn, ["bob@x.test"], null, [rows[0].Id]));

        Assert.Equal("Subject: Undelivered Mail\r\n\r\ncarol\r\n", Encoding.UTF8.GetString((await Store.ReadMessageAsync("bob@x.test", uids[0]))!));
        Assert.Null(await Store.GetQueuedAsync(rows[0].Id));
        Assert.Equal(rows[1], Assert.Single(await AllQueuedAsync()));
        Assert.Equal("to bounce\r\n", await ReadOutboundTextAsync(rows[1].MessageId));
    }

    [Fact]
    public async Task CommitAsync_DelayWarningWithMarks_RowsMarkedInTheSameCommit()
    {
        await EnqueueAsync("delayed\r\n", T0, "carol@far.test", "dave@far.test");
        var rows = await AllQueuedAsync();
        var warning = new StoredMessage("Q3", "", T0, Encoding.UTF8.GetBytes("Subject: Delayed Mail\r\n\r\ncarol\r\n"));

        await Store.CommitAsync(new StoreDelivery(warning, ["bob@x.test"], null, []) { MarksDelayWarned = [rows[0].Id, rows[0].Id] });

        Assert.True((await Store.GetQueuedAsync(rows[0].Id))!.DelayWarned);
        Assert.False((await Store.GetQueuedAsync(rows[1].Id))!.DelayWarned);
        Assert.Single(await Store.ListMaildropAsync("bob@x.test"));
    }

    [Fact]
    public async Task CommitAsync_FailsPartWay_CompletedRowsStayQueuedAndNoMaildropRow()
    {
        await EnqueueAsync("to bounce\r\n", T0, "carol@far.test");
        var row = Assert.Single(await AllQueuedAsync());
        var dsn = new StoredMessage("Q3", "", T0, Encoding.UTF8.GetBytes("bounce\r\n"));

        // The second mailbox breaks the NOT NULL constraint after the first one's row was written.
        await Assert.ThrowsAnyAsync<Exception>(() => Store.CommitAsync(new StoreDelivery(dsn, ["bob@x.test", null!], null, [row.Id])));

        Assert.Equal(row, await Store.GetQueuedAsync(row.Id));
        Assert.Empty(await Store.ListMaildropAsync("bob@x.test"));
        Assert.Equal(1, await CountContentAsync());
    }

    [Fact]
    public async Task CommitAsync_NothingToDo_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitAsync(new StoreDelivery(Message("x\r\n"), [], null, [])));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitAsync(new StoreDelivery(null, [], Outbound("x\r\n", T0), [])));
        Assert.Equal(0, await CountContentAsync());
    }

    [Fact]
    public async Task CommitAsync_MailboxesWithoutMessage_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitAsync(new StoreDelivery(null, ["a@x.test"], Outbound("x\r\n", T0, "c@far.test"), [])));
        Assert.Empty(await AllQueuedAsync());
    }

    [Fact]
    public async Task ListDueAsync_SeveralRows_OldestAttemptFirstWithinLimitAndTime()
    {
        await EnqueueAsync("2\r\n", T0.AddMinutes(2), "two@far.test");
        await EnqueueAsync("0\r\n", T0, "zero@far.test");
        await EnqueueAsync("1\r\n", T0.AddMinutes(1), "one@far.test");
        await EnqueueAsync("later\r\n", T0.AddMinutes(10), "later@far.test");
        await EnqueueAsync("elsewhere\r\n", T0, "zero@near.test");

        var due = await Store.ListDueAsync("far.test", T0.AddMinutes(5), 10);
        Assert.Equal(["zero@far.test", "one@far.test", "two@far.test"], due.Select(r => r.Recipient));
        Assert.Equal(["zero@far.test", "one@far.test"], (await Store.ListDueAsync("far.test", T0.AddMinutes(5), 2)).Select(r => r.Recipient));
        Assert.Equal(["zero@far.test"], (await Store.ListDueAsync("far.test", T0, 10)).Select(r => r.Recipient));
        Assert.Empty(await Store.ListDueAsync("far.test", T0.AddMilliseconds(-1), 10));
        Assert.Empty(await Store.ListDueAsync("unknown.test", T0.AddDays(1), 10));
    }

    [Fact]
    public async Task ListDueAsync_TimesEitherSideOfUnixMillisecondDigitChange_OrderedByTime()
    {
        // 1999 is 12 digits of unix milliseconds, 2030 is 13: a textual comparison would put 2030 first.
        var old = new DateTimeOffset(1999, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await EnqueueAsync("new\r\n", T0, "new@far.test");
        await EnqueueAsync("old\r\n", old, "old@far.test");

        Assert.Equal(["old@far.test", "new@far.test"], (await Store.ListDueAsync("far.test", T0, 10)).Select(r => r.Recipient));
        Assert.Equal(["old@far.test"], (await Store.ListDueAsync("far.test", old.AddYears(2), 10)).Select(r => r.Recipient));
        Assert.Equal(old, await Store.GetNextAttemptAsync("far.test"));
    }

    [Fact]
    public async Task ListDueDestinationsAsync_DueRows_EachDestinationOnceMostOverdueFirst()
    {
        await EnqueueAsync("1\r\n", T0.AddMinutes(1), "a@far.test", "b@far.test", "c@near.test");
        await EnqueueAsync("2\r\n", T0, "d@near.test");
        await EnqueueAsync("3\r\n", T0.AddHours(1), "e@later.test");

        Assert.Equal(["near.test", "far.test"], await Store.ListDueDestinationsAsync(T0.AddMinutes(5), 10));
        Assert.Equal(["near.test"], await Store.ListDueDestinationsAsync(T0.AddMinutes(5), 1));
        Assert.Equal(["near.test"], await Store.ListDueDestinationsAsync(T0, 10));
        Assert.Empty(await Store.ListDueDestinationsAsync(T0.AddSeconds(-1), 10));
    }

    [Fact]
    public async Task GetNextAttemptAsync_Rows_EarliestOrNullWhenNone()
    {
        await EnqueueAsync("1\r\n", T0.AddMinutes(3), "a@far.test");
        await EnqueueAsync("2\r\n", T0.AddMinutes(1), "b@far.test");
        await EnqueueAsync("3\r\n", T0, "c@near.test");

        Assert.Equal(T0.AddMinutes(1), await Store.GetNextAttemptAsync("far.test"));
        Assert.Null(await Store.GetNextAttemptAsync("unknown.test"));
    }

    [Fact]
    public async Task DeferAsync_TwoFailures_AttemptsCountedLastErrorKeptNoLongerDue()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test", "b@far.test");
        var rows = await AllQueuedAsync();

        await Store.DeferAsync([rows[0].Id], T0.AddMinutes(5), "451 4.3.0 try later", T0, "mx.test");
        await Store.DeferAsync([rows[0].Id, rows[0].Id], T0.AddMinutes(30), "421 4.4.2 connection dropped", T0.AddMinutes(5), null);

        var deferred = (await Store.GetQueuedAsync(rows[0].Id))!;
        Assert.Equal((2, T0.AddMinutes(30), "421 4.4.2 connection dropped"), (deferred.Attempts, deferred.NextAttemptAt, deferred.LastError));
        Assert.Equal(rows[1], await Store.GetQueuedAsync(rows[1].Id));
        Assert.Equal([rows[1].Id], (await Store.ListDueAsync("far.test", T0.AddMinutes(10), 10)).Select(r => r.Id));
        Assert.Equal(T0, await Store.GetNextAttemptAsync("far.test"));
    }

    [Fact]
    public async Task RescheduleAsync_DeferredRow_NextAttemptOnlyAndCountOfRowsChanged()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test", "b@far.test");
        var rows = await AllQueuedAsync();
        await Store.DeferAsync([rows[0].Id], T0.AddHours(1), "451 4.3.0 try later", T0, "mx.test");

        Assert.Equal(1, await Store.RescheduleAsync([rows[0].Id, rows[0].Id, 99_999], T0.AddMinutes(1)));

        var row = (await Store.GetQueuedAsync(rows[0].Id))!;
        Assert.Equal((1, T0.AddMinutes(1), "451 4.3.0 try later"), (row.Attempts, row.NextAttemptAt, row.LastError));
        Assert.Equal(rows[1], await Store.GetQueuedAsync(rows[1].Id));
        Assert.Equal(0, await Store.RescheduleAsync([], T0));
    }

    [Fact]
    public async Task MarkDelayWarnedAsync_OneRow_OnlyThatRowMarked()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test", "b@far.test");
        var rows = await AllQueuedAsync();

        await Store.MarkDelayWarnedAsync([rows[1].Id]);

        Assert.Equal([false, true], (await AllQueuedAsync()).Select(r => r.DelayWarned));
        Assert.Equal(rows[1] with { DelayWarned = true }, await Store.GetQueuedAsync(rows[1].Id));
    }

    [Fact]
    public async Task ListQueueAsync_Pages_EveryRowOnceInIdOrder()
    {
        await EnqueueAsync("1\r\n", T0.AddMinutes(5), "a@far.test", "b@near.test");
        await EnqueueAsync("2\r\n", T0, "c@far.test", "d@near.test", "e@other.test");

        var seen = new List<QueuedRecipient>();
        var afterId = 0L;
        IReadOnlyList<QueuedRecipient> page;
        while ((page = await Store.ListQueueAsync(afterId, 2)).Count > 0)
        {
            Assert.True(page.Count <= 2);
            seen.AddRange(page);
            afterId = page[^1].Id;
        }

        Assert.Equal(["a@far.test", "b@near.test", "c@far.test", "d@near.test", "e@other.test"], seen.Select(r => r.Recipient));
        Assert.Equal(seen.Select(r => r.Id).Order(), seen.Select(r => r.Id));
        Assert.Equal(5, seen.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public async Task CompleteAsync_TwoRecipients_ContentRemovedOnlyWithTheLastRow()
    {
        await EnqueueAsync("shared\r\n", T0, "a@far.test", "b@near.test");
        var rows = await AllQueuedAsync();

        Assert.Equal(1, await Store.CompleteAsync([rows[0].Id, rows[0].Id]));
        Assert.Equal("shared\r\n", await ReadOutboundTextAsync(rows[1].MessageId));
        Assert.Equal(1, await CountContentAsync());

        Assert.Equal(1, await Store.CompleteAsync([rows[1].Id, rows[0].Id, 99_999]));
        Assert.Null(await Store.ReadOutboundAsync(rows[1].MessageId));
        Assert.Null(await Store.GetQueuedAsync(rows[1].Id));
        Assert.Empty(await AllQueuedAsync());
        Assert.Equal(0, await CountContentAsync());
        Assert.Equal(0, await Store.CompleteAsync([]));
    }

    [Fact]
    public async Task CompleteAsync_LastTwoRecipientsAtOnce_ContentRemoved()
    {
        for (var i = 0; i < 20; i++)
        {
            await EnqueueAsync($"race {i}\r\n", T0, "a@far.test", "b@near.test");
        }

        var rows = await AllQueuedAsync();
        await Task.WhenAll(
            Task.Run(() => Store.CompleteAsync([.. rows.Where(r => r.Destination == "far.test").Select(r => r.Id)])),
            Task.Run(() => Store.CompleteAsync([.. rows.Where(r => r.Destination == "near.test").Select(r => r.Id)])));
        Assert.Empty(await AllQueuedAsync());
        Assert.Equal(0, await CountContentAsync());
    }

    [Fact]
    public async Task CompleteAsync_HighestIdDeleted_IdNotReusedAfterReopen()
    {
        await EnqueueAsync("1\r\n", T0, "a@far.test");
        var first = Assert.Single(await AllQueuedAsync());
        await Store.CompleteAsync([first.Id]);

        var store = await ReopenAsync();
        await store.CommitAsync(new StoreDelivery(null, [], Outbound("2\r\n", T0, "b@far.test"), []));
        var second = Assert.Single(await store.ListQueueAsync(0, 10));
        Assert.True(second.Id > first.Id);
        Assert.True(second.MessageId > first.MessageId);
    }

    [Fact]
    public async Task DeleteMessagesAsync_MaildropCopyDeleted_OutboundContentKept()
    {
        var local = new StoredMessage("Q1", "bob@remote.test", T0, Encoding.UTF8.GetBytes("local\r\n"));
        await Store.CommitAsync(new StoreDelivery(local, ["a@x.test"], Outbound("outbound\r\n", T0, "c@far.test"), []));
        var row = Assert.Single(await AllQueuedAsync());

        Assert.Equal(1, await Store.DeleteMessagesAsync("a@x.test", uids: null));

        Assert.Equal("outbound\r\n", await ReadOutboundTextAsync(row.MessageId));
        Assert.Equal(1, await CountContentAsync());
        await Store.CompleteAsync([row.Id]);
        Assert.Equal(0, await CountContentAsync());
    }

    [Fact]
    public async Task ReadOutboundAsync_UnknownMessage_Null()
    {
        Assert.Null(await Store.ReadOutboundAsync(12345));
    }

    [Fact]
    public async Task CommitAsync_ManyAtOnce_AllCommittedWithDistinctIds()
    {
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => Store.CommitAsync(new StoreDelivery(
            Message($"local {i}\r\n"),
            ["a@x.test"],
            Outbound($"outbound {i}\r\n", T0.AddSeconds(i), $"r{i}@far.test", $"r{i}@near.test"),
            [])))));

        var rows = await AllQueuedAsync();
        Assert.Equal(100, rows.Select(r => r.Id).Distinct().Count());
        Assert.Equal(50, rows.Select(r => r.MessageId).Distinct().Count());
        Assert.Equal(50, (await Store.ListMaildropAsync("a@x.test")).Count);
        Assert.Equal(100, await CountContentAsync());
        foreach (var row in rows.Where(r => r.Destination == "far.test"))
        {
            var i = int.Parse(row.Recipient[1..row.Recipient.IndexOf('@')], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"outbound {i}\r\n", await ReadOutboundTextAsync(row.MessageId));
            Assert.Equal(T0.AddSeconds(i), row.NextAttemptAt);
        }
    }

    // Claims (leases) on queue rows: two activations of one destination never send one row twice.

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task ClaimAsync_RowHeldByAnotherOwner_NotClaimedUntilTheClaimLapsesAtItsEnd()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test");
        var id = Assert.Single(await AllQueuedAsync()).Id;

        Assert.Equal([id], await Store.ClaimAsync([id], "silo-a", T0, T0 + Lease));
        Assert.Empty(await Store.ClaimAsync([id], "silo-b", T0 + Lease - TimeSpan.FromMilliseconds(1), T0 + Lease * 2));
        Assert.Equal([id], await Store.ClaimAsync([id], "silo-b", T0 + Lease, T0 + Lease * 2));
        Assert.Empty(await Store.ClaimAsync([id], "silo-a", T0 + Lease, T0 + Lease * 2));
    }

    [Fact]
    public async Task ClaimAsync_SameOwnerAgain_ExtendsItsClaim()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test");
        var id = Assert.Single(await AllQueuedAsync()).Id;

        await Store.ClaimAsync([id], "silo-a", T0, T0 + Lease);
        Assert.Equal([id], await Store.ClaimAsync([id], "silo-a", T0.AddMinutes(1), T0.AddMinutes(1) + Lease));

        Assert.Empty(await Store.ClaimAsync([id], "silo-b", T0 + Lease, T0 + Lease * 2));
        Assert.Equal(T0.AddMinutes(1) + Lease, await Store.GetNextAttemptAsync("far.test"));
    }

    [Fact]
    public async Task ClaimAsync_DeletedRow_NotClaimed()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test", "b@far.test");
        var rows = await AllQueuedAsync();
        await Store.CompleteAsync([rows[0].Id]);

        Assert.Equal([rows[1].Id], await Store.ClaimAsync([rows[0].Id, rows[1].Id], "silo-a", T0, T0 + Lease));
    }

    [Fact]
    public async Task ListDueAsync_ClaimedRow_LeftOutUntilTheClaimLapses()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test", "b@far.test");
        var rows = await AllQueuedAsync();
        await Store.ClaimAsync([rows[0].Id], "silo-a", T0, T0 + Lease);

        Assert.Equal([rows[1].Id], (await Store.ListDueAsync("far.test", T0.AddMinutes(1), 10)).Select(r => r.Id));
        Assert.Equal([rows[0].Id, rows[1].Id], (await Store.ListDueAsync("far.test", T0 + Lease, 10)).Select(r => r.Id));
        await Store.ClaimAsync([rows[1].Id], "silo-a", T0, T0 + Lease);
        Assert.Empty(await Store.ListDueDestinationsAsync(T0.AddMinutes(1), 10));
        Assert.Equal(["far.test"], await Store.ListDueDestinationsAsync(T0 + Lease, 10));
        Assert.Equal(T0 + Lease, await Store.GetNextAttemptAsync("far.test"));
    }

    [Fact]
    public async Task DeferAsync_ClaimedRow_ClaimEnds()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test");
        var id = Assert.Single(await AllQueuedAsync()).Id;
        await Store.ClaimAsync([id], "silo-a", T0, T0 + Lease);

        await Store.DeferAsync([id], T0.AddSeconds(10), "451 4.3.0 later", T0, "mx.test");

        Assert.Equal(T0.AddSeconds(10), await Store.GetNextAttemptAsync("far.test"));
        Assert.Equal([id], (await Store.ListDueAsync("far.test", T0.AddSeconds(10), 10)).Select(r => r.Id));
        Assert.Equal([id], await Store.ClaimAsync([id], "silo-b", T0.AddSeconds(10), T0 + Lease));
    }

    [Fact]
    public async Task ReleaseClaimAsync_OnlyTheOwnersClaimEnds()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test");
        var id = Assert.Single(await AllQueuedAsync()).Id;
        await Store.ClaimAsync([id], "silo-a", T0, T0 + Lease);

        Assert.Equal(0, await Store.ReleaseClaimAsync([id], "silo-b"));
        Assert.Empty(await Store.ListDueAsync("far.test", T0, 10));
        Assert.Equal(1, await Store.ReleaseClaimAsync([id, id], "silo-a"));
        Assert.Equal([id], (await Store.ListDueAsync("far.test", T0, 10)).Select(r => r.Id));
    }

    [Fact]
    public async Task ClaimAsync_EightOwnersRacingForTheSameRows_EachRowClaimedExactlyOnce()
    {
        await EnqueueAsync("x\r\n", T0, [.. Enumerable.Range(0, 60).Select(i => $"r{i}@far.test")]);
        long[] ids = [.. (await AllQueuedAsync()).Select(r => r.Id)];

        using var start = new ManualResetEventSlim();
        var racers = Enumerable.Range(0, 8).Select(owner => Task.Run(async () =>
        {
            start.Wait();
            var won = new List<long>();
            foreach (var chunk in (owner % 2 == 0 ? ids : ids.Reverse()).Chunk(7))
            {
                won.AddRange(await Store.ClaimAsync(chunk, $"silo-{owner}", T0, T0 + Lease));
            }

            return won;
        })).ToList();
        start.Set();
        var claims = await Task.WhenAll(racers);

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(ids.Length, all.Count);
        Assert.Equal(ids.Order(), all.Order());
    }

    [Fact]
    public async Task CommitAsync_RequiresRowsAndOneIsGone_ThrowsAndWritesNothing()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test", "b@far.test", "c@far.test");
        var rows = await AllQueuedAsync();
        await Store.CompleteAsync([rows[0].Id]);
        var dsn = new StoredMessage("Q3", "", T0, Encoding.UTF8.GetBytes("dsn\r\n"));

        var gone = await Assert.ThrowsAsync<QueueRowsGoneException>(() => Store.CommitAsync(
            new StoreDelivery(dsn, ["bob@x.test"], null, [rows[0].Id, rows[1].Id]) { MarksDelayWarned = [rows[2].Id], RequiresRows = true }));

        Assert.Equal(1, gone.Missing);
        Assert.Equal([rows[1].Id, rows[2].Id], (await AllQueuedAsync()).Select(r => r.Id));
        Assert.False((await Store.GetQueuedAsync(rows[2].Id))!.DelayWarned);
        Assert.Empty(await Store.ListMaildropAsync("bob@x.test"));
        await Store.CommitAsync(new StoreDelivery(dsn, ["bob@x.test"], null, [rows[1].Id]) { RequiresRows = true });
        Assert.Single(await Store.ListMaildropAsync("bob@x.test"));
    }

    // ── Quotas and the admin API's maildrops ────────────────────────────────────────────────────

    [Fact]
    public async Task GetMaildropSummaryAsync_AfterDeliveriesAndADeletion_StoredSizesOfWhatIsLeft()
    {
        var first = await Store.DeliverAsync(Message("12345\r\n"), ["a@x.test", "b@x.test"]);
        await Store.DeliverAsync(Message("123456789\r\n"), ["a@x.test"]);
        Assert.Equal((2, 7L + 11L), await Store.GetMaildropSummaryAsync("a@x.test"));

        Assert.Equal(1, await Store.DeleteMessagesAsync("a@x.test", [first[0]]));

        Assert.Equal((1, 11L), await Store.GetMaildropSummaryAsync("a@x.test"));
        Assert.Equal((1, 7L), await Store.GetMaildropSummaryAsync("b@x.test"));
        Assert.Equal((0, 0L), await Store.GetMaildropSummaryAsync("nobody@x.test"));
    }

    [Fact]
    public async Task ListMaildropsAsync_EveryMaildropWithCountAndBytes_EmptyOnesGone()
    {
        await Store.DeliverAsync(Message("12345\r\n"), ["b@x.test", "a@x.test"]);
        await Store.DeliverAsync(Message("123\r\n"), ["b@x.test"]);
        var gone = await Store.DeliverAsync(Message("1\r\n"), ["c@x.test"]);
        await Store.DeleteMessagesAsync("c@x.test", gone);

        Assert.Equal(
            [new MaildropSummary("a@x.test", 1, 7), new MaildropSummary("b@x.test", 2, 12)],
            await Store.ListMaildropsAsync());
    }

    [Fact]
    public async Task DeleteMessagesAsync_OneUid_OnlyThatOneGoesAndUnknownUidRemovesNothing()
    {
        var uids = await Store.DeliverAsync(Message("1\r\n"), ["a@x.test"]);
        var second = await Store.DeliverAsync(Message("2\r\n"), ["a@x.test"]);

        Assert.Equal(0, await Store.DeleteMessagesAsync("a@x.test", [second[0] + 1000]));
        Assert.Equal(0, await Store.DeleteMessagesAsync("b@x.test", [uids[0]]));
        Assert.Equal(1, await Store.DeleteMessagesAsync("a@x.test", [uids[0]]));

        Assert.Equal([second[0]], (await Store.ListMaildropAsync("a@x.test")).Select(e => e.Uid));
    }

    [Fact]
    public async Task CommitAsync_AdditionalOutbound_QueuedInTheSameTransactionWithItsOwnContent()
    {
        var outbound = Outbound("original\r\n", T0, "carol@far.test");
        var notice = Outbound("notice\r\n", T0, "bob@remote.test");

        await Store.CommitAsync(new StoreDelivery(Message("local\r\n"), ["a@x.test"], outbound, []) { AdditionalOutbound = [notice] });

        var rows = await AllQueuedAsync();
        Assert.Equal(["carol@far.test", "bob@remote.test"], rows.Select(r => r.Recipient));
        Assert.Equal(["original\r\n", "notice\r\n"], await Task.WhenAll(rows.Select(async r => (await ReadOutboundTextAsync(r.MessageId))!)));
        Assert.Single(await Store.ListMaildropAsync("a@x.test"));
    }
}
