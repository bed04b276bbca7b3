using System.Text;
using EmailAI.Grains.Quarantine;
using EmailAI.Storage;
using EmailAI.Storage.Sqlite;
using EmailAI.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Quarantine;

/// <summary>Held mail expires after <c>EmailAI:Quarantine:Retention</c>, on a fake clock.</summary>
public sealed class QuarantineSweeperTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2030, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TempDatabase _temp = new();
    private readonly FakeTimeProvider _time = new(Start);
    private readonly SqliteMessageStore _store;

    public QuarantineSweeperTests() => _store = new SqliteMessageStore(_temp.Database);

    public void Dispose() => _temp.Dispose();

    private QuarantineSweeper Sweeper(TimeSpan retention) =>
        new(_store, Options.Create(new QuarantineOptions { Retention = retention, SweepInterval = TimeSpan.FromHours(1) }), _time, NullLogger<QuarantineSweeper>.Instance);

    private async Task HoldAsync(DateTimeOffset at, string mailbox = "alice@x.test") =>
        await _store.CommitAsync(new StoreDelivery(null, [], null, [])
        {
            QuarantineCopies = [new QuarantineCopy(new StoredMessage("Q", "bob@remote.test", at, Encoding.ASCII.GetBytes("x\r\n")), [mailbox], QuarantineMetadata.None)],
        });

    private async Task<int> HeldAsync() => (await _store.ListQuarantineAsync("alice@x.test", 0, 10_000)).Count;

    [Fact]
    public async Task Sweep_RetentionThirtyDays_OnlyOlderMailGoes()
    {
        await HoldAsync(Start.AddDays(-30).AddMinutes(-1));
        await HoldAsync(Start.AddDays(-30).AddMinutes(1));

        Assert.Equal(1, await Sweeper(TimeSpan.FromDays(30)).SweepAsync(CancellationToken.None));
        Assert.Equal(1, await HeldAsync());
    }

    [Fact]
    public async Task Sweep_MoreThanOneBatch_AllOldMailGoes()
    {
        for (var i = 0; i < QuarantineSweeper.BatchSize + 7; i++)
        {
            await HoldAsync(Start.AddDays(-31));
        }

        Assert.Equal(QuarantineSweeper.BatchSize + 7, await Sweeper(TimeSpan.FromDays(30)).SweepAsync(CancellationToken.None));
        Assert.Equal(0, await HeldAsync());
    }

    [Fact]
    public async Task Service_ClockPassesTheRetention_HeldMailDiscardedAtTheNextHourlySweep()
    {
        await HoldAsync(Start);
        using var sweeper = Sweeper(TimeSpan.FromDays(30));
        await sweeper.StartAsync(CancellationToken.None);
        try
        {
            _time.Advance(TimeSpan.FromDays(30) - TimeSpan.FromHours(1));
            await Task.Delay(200);
            Assert.Equal(1, await HeldAsync());

            // The hour in which the message turns 30 days old: the next tick discards it.
            _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
            _time.Advance(TimeSpan.FromHours(1));
            Assert.True(await EventuallyAsync(async () => await HeldAsync() == 0), "held mail past its retention was not discarded");
        }
        finally
        {
            await sweeper.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Polls <paramref name="condition"/> on the real clock (the sweeper runs on the thread pool) for up to 10 s.</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }
}
