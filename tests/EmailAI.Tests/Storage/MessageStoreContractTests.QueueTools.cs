using System.Text;
using CsCheck;
using EmailAI.Contracts;
using EmailAI.Storage;

namespace EmailAI.Tests.Storage;

/// <summary>
/// The queue tools' part of the store contract (issue 14), on every backend: holds keep rows from being due, claimed
/// or counted as the next attempt; attempts are recorded with their host and trimmed to the newest; the destination
/// summary; and a search that finds exactly the rows <see cref="QueueFilter.Matches"/> says it should.
/// </summary>
public abstract partial class MessageStoreContractTests
{
    [Fact]
    public async Task SetHeldAsync_HeldRow_NotDueNotClaimedNotTheNextAttempt_ReleaseMakesItDueNow()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test", "b@far.test");
        var rows = await AllQueuedAsync();

        Assert.Equal(1, await Store.SetHeldAsync([rows[0].Id, rows[0].Id], held: true, T0));
        Assert.Equal(0, await Store.SetHeldAsync([rows[0].Id], held: true, T0));

        Assert.True((await Store.GetQueuedAsync(rows[0].Id))!.Held);
        Assert.Equal([rows[1].Id], (await Store.ListDueAsync("far.test", T0.AddHours(1), 10)).Select(r => r.Id));
        Assert.Empty(await Store.ClaimAsync([rows[0].Id], "silo-a", T0, T0 + Lease));
        await Store.CompleteAsync([rows[1].Id]);
        Assert.Empty(await Store.ListDueDestinationsAsync(T0.AddHours(1), 10));
        Assert.Null(await Store.GetNextAttemptAsync("far.test"));

        Assert.Equal(1, await Store.SetHeldAsync([rows[0].Id], held: false, T0.AddHours(2)));
        Assert.Equal(0, await Store.SetHeldAsync([rows[0].Id], held: false, T0.AddHours(3)));
        var released = (await Store.GetQueuedAsync(rows[0].Id))!;
        Assert.Equal((false, T0.AddHours(2)), (released.Held, released.NextAttemptAt));
        Assert.Equal(["far.test"], await Store.ListDueDestinationsAsync(T0.AddHours(2), 10));
    }

    [Fact]
    public async Task SetHeldAsync_RowBeingSent_ClaimRunsOnAndAFailedAttemptLeavesItHeld()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test");
        var id = Assert.Single(await AllQueuedAsync()).Id;
        await Store.ClaimAsync([id], "silo-a", T0, T0 + Lease);

        Assert.Equal(1, await Store.SetHeldAsync([id], held: true, T0.AddSeconds(1)));
        var row = (await Store.GetQueuedAsync(id))!;
        Assert.Equal(QueueRowState.Held, row.StateAt(T0.AddSeconds(1)));
        Assert.Equal([id], await Store.ClaimAsync([id], "silo-a", T0.AddSeconds(2), T0.AddSeconds(2) + Lease));

        await Store.DeferAsync([id], T0.AddMinutes(5), "451 4.3.0 later", T0.AddSeconds(3), "mx.far.test");
        row = (await Store.GetQueuedAsync(id))!;
        Assert.Equal((true, 1, (DateTimeOffset?)null), (row.Held, row.Attempts, row.ClaimedUntil));
        Assert.Empty(await Store.ListDueAsync("far.test", T0.AddHours(1), 10));
    }

    [Fact]
    public async Task DeferAsync_Attempts_RecordedWithHostAndTime_NewestKept_GoneWithTheRow()
    {
        await EnqueueAsync("x\r\n", T0, "a@far.test", "b@far.test");
        var rows = await AllQueuedAsync();
        var extra = 5;
        for (var i = 0; i < IOutboundQueueStore.MaxAttemptsKept + extra; i++)
        {
            await Store.DeferAsync([rows[0].Id], T0.AddMinutes(i + 1), $"451 4.3.0 attempt {i}", T0.AddMinutes(i), i % 2 == 0 ? "mx.far.test" : null);
        }

        await Store.DeferAsync([rows[1].Id, 99_999], T0.AddMinutes(1), "421 4.4.2 dropped", T0, "mx2.far.test");

        var attempts = await Store.ListAttemptsAsync([rows[1].Id, rows[0].Id, 99_999]);
        var first = attempts.Where(a => a.RowId == rows[0].Id).ToList();
        Assert.Equal(IOutboundQueueStore.MaxAttemptsKept, first.Count);
        // The oldest kept is attempt 5 (odd: no host answered).
        Assert.Equal(new QueueAttempt(rows[0].Id, T0.AddMinutes(extra), null, $"451 4.3.0 attempt {extra}"), first[0]);
        Assert.Equal("mx.far.test", first[1].Host);
        Assert.Equal($"451 4.3.0 attempt {IOutboundQueueStore.MaxAttemptsKept + extra - 1}", first[^1].Reply);
        Assert.Equal([new QueueAttempt(rows[1].Id, T0, "mx2.far.test", "421 4.4.2 dropped")], attempts.Where(a => a.RowId == rows[1].Id));
        Assert.True(attempts.Select(a => a.RowId).SequenceEqual(attempts.Select(a => a.RowId).Order()));

        var row = (await Store.GetQueuedAsync(rows[0].Id))!;
        Assert.Equal((IOutboundQueueStore.MaxAttemptsKept + extra, T0.AddMinutes(IOutboundQueueStore.MaxAttemptsKept + extra - 1)), (row.Attempts, row.LastErrorAt!.Value));

        await Store.CompleteAsync([rows[0].Id]);
        Assert.Empty(await Store.ListAttemptsAsync([rows[0].Id]));
        Assert.Single(await Store.ListAttemptsAsync([rows[1].Id]));
    }

    [Fact]
    public async Task ListQueueDestinationsAsync_Rows_CountsOldestNextAttemptLatestErrorAndPaging()
    {
        await EnqueueAsync("1\r\n", T0.AddMinutes(10), "a@far.test", "b@far.test");
        await EnqueueAsync("2\r\n", T0.AddMinutes(20), "c@far.test", "d@near.test");
        await EnqueueAsync("3\r\n", T0.AddMinutes(30), "e@zed.test");
        var rows = await AllQueuedAsync();
        await Store.DeferAsync([rows[0].Id], T0.AddHours(1), "451 4.3.0 old", T0.AddMinutes(1), "mx.far.test");
        await Store.DeferAsync([rows[2].Id], T0.AddHours(1), "450 4.2.0 newest", T0.AddMinutes(2), "mx.far.test");
        await Store.SetHeldAsync([rows[1].Id], held: true, T0);
        await Store.ClaimAsync([rows[3].Id], "silo-a", T0, T0 + Lease);
        await Store.SetHeldAsync([rows[4].Id], held: true, T0);

        var all = await Store.ListQueueDestinationsAsync(T0.AddSeconds(1), null, 10);
        Assert.Equal(["far.test", "near.test", "zed.test"], all.Select(d => d.Destination));
        Assert.Equal(new QueueDestination("far.test", 2, 3, 1, 0, T0, T0.AddHours(1), "450 4.2.0 newest", T0.AddMinutes(2)), all[0]);
        Assert.Equal(new QueueDestination("near.test", 1, 1, 0, 1, T0, T0.AddMinutes(20), null, null), all[1]);
        Assert.Equal(new QueueDestination("zed.test", 1, 1, 1, 0, T0, null, null, null), all[2]);
        Assert.Equal(0, (await Store.ListQueueDestinationsAsync(T0 + Lease, null, 10))[1].Sending);

        Assert.Equal(["near.test"], (await Store.ListQueueDestinationsAsync(T0, "far.test", 1)).Select(d => d.Destination));
        Assert.Empty(await Store.ListQueueDestinationsAsync(T0, "zed.test", 10));
    }

    /// <summary>
    /// One varied queue (senders and recipients differing only in ASCII or only in non-ASCII case, the null sender, rows
    /// queued, deferred, being sent and held, messages of different ages), and many filters drawn over values that
    /// occur and values that do not: the store's search returns exactly what <see cref="QueueFilter.Matches"/> keeps,
    /// by id, and pages by AfterId.
    /// </summary>
    [Fact]
    public async Task SearchQueueAsync_AnyFilter_ExactlyTheRowsTheFilterMatches()
    {
        string[] senders = ["Bob@Remote.test", "bob@remote.test", "", "ünï@x.test", "ÜNÏ@x.test"];
        string[] recipients = ["a@far.test", "A@FAR.test", "é@near.test", "É@near.test", "z@zed.test"];
        for (var m = 0; m < senders.Length; m++)
        {
            var message = new StoredMessage($"Q{m}", senders[m], T0.AddMinutes(m), Encoding.UTF8.GetBytes($"{m}\r\n"));
            var outbound = new OutboundMessage(
                message,
                [.. recipients.Skip(m % 2).Select(r => new OutboundRecipient(r, r[(r.IndexOf('@') + 1)..].ToLowerInvariant()))],
                T0);
            await Store.CommitAsync(new StoreDelivery(null, [], outbound, []));
        }

        var rows = await AllQueuedAsync();
        await Store.DeferAsync([.. rows.Where((_, i) => i % 3 == 1).Select(r => r.Id)], T0.AddHours(1), "451 4.3.0 x", T0, null);
        await Store.ClaimAsync([.. rows.Where((_, i) => i % 4 == 2).Select(r => r.Id)], "silo-a", T0, T0 + Lease);
        await Store.SetHeldAsync([.. rows.Where((_, i) => i % 5 == 3).Select(r => r.Id)], held: true, T0);
        rows = await AllQueuedAsync();

        static Gen<string?> OneOf(params string?[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);
        var filter =
            from destination in OneOf(null, "far.test", "near.test", "FAR.test", "none.test")
            from sender in OneOf([null, .. senders, "nobody@x.test"])
            from recipient in OneOf([null, .. recipients, "a@far.tes"])
            from queueId in OneOf(null, "Q1", "Q4", "q1", "Q9")
            from before in Gen.Int[-1, 6]
            from state in Gen.Int[-1, 3]
            from afterIndex in Gen.Int[-1, rows.Count - 1]
            from now in Gen.Int[0, 3]
            select new QueueFilter(
                T0 + Lease * now / 2,
                destination,
                sender,
                recipient,
                queueId,
                before < 0 ? null : T0.AddMinutes(before),
                state < 0 ? null : (QueueRowState)state,
                afterIndex < 0 ? 0 : rows[afterIndex].Id);

        await filter.SampleAsync(
            async f =>
            {
                var expected = rows.Where(r => r.Id > f.AfterId && f.Matches(r)).Select(r => r.Id).ToList();
                var found = (await Store.SearchQueueAsync(f, 10_000)).Select(r => r.Id).ToList();
                Assert.Equal(expected, found);
                Assert.Equal(expected.Take(2), (await Store.SearchQueueAsync(f, 2)).Select(r => r.Id));
            },
            iter: 300,
            threads: 1);
    }
}
