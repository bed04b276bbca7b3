using CsCheck;
using EmailAI.Contracts;
using EmailAI.Grains.WhiteList;
using EmailAI.Storage.Sqlite;
using EmailAI.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.WhiteList;

/// <summary>
/// Random runs of adds and matches against a model of the eviction rule: after every step the list holds at most
/// its bound, holds exactly what the model says (the surplus leaving least recently matched first, never-matched
/// counted from when added, a call's own new entries last), and after a flush a reload reads what memory holds.
/// </summary>
public sealed class WhiteListBoundPropertyTests : IDisposable
{
    private const int MaxEntries = 4;

    private static readonly Gen<string> Address = Gen.Int[0, 9].Select(i => $"r{i}@remote.test");

    /// <summary>One step: how far the clock moves (ms), then an add of 1-3 addresses, or a match of one address.</summary>
    private static readonly Gen<(int Advance, bool Add, string[] Addresses)> Step =
        Gen.Select(Gen.Int[0, 5000], Gen.Bool, Address.Array[1, 3], (advance, add, addresses) => (advance, add, addresses));

    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Book_RandomAddsAndMatches_AgreesWithTheModelAndNeverPassesTheBound()
    {
        var store = new SqliteWhiteListStore(_temp.Database);
        Step.Array[1, 25].Sample(
            steps => Task.Run(async () =>
            {
                var owner = $"o{Guid.NewGuid():N}@local.test";
                var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
                var book = await WhiteListBook.LoadAsync(owner, store, MaxEntries, time, NullLogger.Instance);
                var model = new Dictionary<string, (DateTimeOffset Added, DateTimeOffset? Matched)>(StringComparer.Ordinal);
                foreach (var (advance, add, addresses) in steps)
                {
                    time.Advance(TimeSpan.FromMilliseconds(advance));
                    var now = time.GetUtcNow();
                    if (add)
                    {
                        await book.AddAsync(addresses, WhiteListSources.Relayed);
                        var fresh = addresses.Distinct().Where(a => !model.ContainsKey(a)).ToHashSet(StringComparer.Ordinal);
                        foreach (var address in fresh)
                        {
                            model[address] = (now, null);
                        }

                        var surplus = model.Count - MaxEntries;
                        foreach (var gone in model
                            .OrderBy(e => fresh.Contains(e.Key)).ThenBy(e => e.Value.Matched ?? e.Value.Added).ThenBy(e => e.Key, StringComparer.Ordinal)
                            .Take(Math.Max(surplus, 0)).Select(e => e.Key).ToArray())
                        {
                            model.Remove(gone);
                        }
                    }
                    else
                    {
                        var listed = book.Trusts(addresses[0]);
                        Assert.Equal(model.ContainsKey(addresses[0]), listed);
                        if (listed)
                        {
                            model[addresses[0]] = (model[addresses[0]].Added, now);
                        }
                    }

                    Assert.True(book.Count <= MaxEntries, $"{book.Count} entries");
                    Assert.Equal(model.Keys.Order(StringComparer.Ordinal), book.List().Select(e => e.Address));
                }

                await book.FlushMatchesAsync();
                Assert.Equal(book.List(), (await WhiteListBook.LoadAsync(owner, store, MaxEntries, time, NullLogger.Instance)).List());
            }).GetAwaiter().GetResult(),
            iter: 200);
    }
}
