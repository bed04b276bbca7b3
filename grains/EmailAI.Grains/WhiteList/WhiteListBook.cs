using EmailAI.Contracts;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;

namespace EmailAI.Grains.WhiteList;

/// <summary>
/// One account's white list in memory over its rows in an <see cref="IWhiteListStore"/>: the whole list is read once
/// (<see cref="LoadAsync"/>), <see cref="Trusts"/> answers from memory, and every change writes only the rows it
/// changes. A match is not written when it happens: its time is kept in memory and written with every other match
/// since the last flush in one batch (<see cref="FlushMatchesAsync"/>, which the grain calls on a timer and on
/// deactivation); a crash loses at most the matches since the last flush, which only makes the entries look older
/// to the eviction. Memory changes only after the store has committed, so it never claims what the store lacks.
/// Times are taken from the <see cref="TimeProvider"/> truncated to the millisecond, the precision every store keeps,
/// so what memory holds is what a reload reads. Not thread-safe: it belongs to one grain activation, whose turns run
/// one at a time.
/// </summary>
public sealed class WhiteListBook
{
    private readonly string _owner;
    private readonly IWhiteListStore _store;
    private readonly int _maxEntries;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, WhiteListEntry> _entries;
    private readonly Dictionary<string, DateTimeOffset> _unsavedMatches = new(StringComparer.Ordinal);

    private WhiteListBook(string owner, IWhiteListStore store, int maxEntries, TimeProvider time, ILogger logger, IEnumerable<WhiteListEntry> entries)
    {
        _owner = owner;
        _store = store;
        _maxEntries = maxEntries;
        _time = time;
        _logger = logger;
        _entries = entries.ToDictionary(e => e.Address, StringComparer.Ordinal);
    }

    /// <summary>Entries held.</summary>
    public int Count => _entries.Count;

    /// <summary>Matches counted in memory and not yet written.</summary>
    public int UnsavedMatches => _unsavedMatches.Count;

    /// <summary>Reads the owner's rows (one query) into a new book.</summary>
    /// <param name="owner">The account's key, as the store keeps it.</param>
    /// <param name="store">Where the rows are.</param>
    /// <param name="maxEntries">The bound (<see cref="WhiteListOptions.MaxEntries"/>), at least 1.</param>
    /// <param name="time">The clock for added and matched times.</param>
    /// <param name="logger">Where evictions are reported.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<WhiteListBook> LoadAsync(string owner, IWhiteListStore store, int maxEntries, TimeProvider time, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        return new WhiteListBook(owner, store, maxEntries, time, logger, await store.ListAsync(owner, cancellationToken));
    }

    /// <summary>The entries, by address (ordinal), with the matches not yet written.</summary>
    public IReadOnlyList<WhiteListEntry> List() => [.. _entries.Values.OrderBy(e => e.Address, StringComparer.Ordinal)];

    /// <summary>True when the address (a normalised key) is listed; the match is counted in memory, written by the next flush.</summary>
    public bool Trusts(string address)
    {
        if (!_entries.TryGetValue(address, out var entry))
        {
            return false;
        }

        var now = Now();
        _entries[address] = entry with { LastMatchedAt = now };
        _unsavedMatches[address] = now;
        return true;
    }

    /// <summary>
    /// Adds the addresses (normalised keys) not yet listed, with <paramref name="source"/> and the current time, in
    /// one write, evicting past the bound; answers the addresses added.
    /// </summary>
    public Task<IReadOnlyList<string>> AddAsync(IEnumerable<string> addresses, string source)
    {
        var now = Now();
        return AddEntriesAsync([.. addresses.Select(a => new WhiteListEntry(a, now, source, null))]);
    }

    /// <summary>
    /// Adds whole entries as they are (times and source kept): the grain's move of a list stored before the rows
    /// existed. Entries already listed keep their row. Safe to repeat.
    /// </summary>
    public Task<IReadOnlyList<string>> ImportAsync(IEnumerable<WhiteListEntry> entries) => AddEntriesAsync([.. entries]);

    /// <summary>Deletes one entry (a normalised key); false when it was not listed.</summary>
    public async Task<bool> DeleteAsync(string address)
    {
        if (!_entries.ContainsKey(address))
        {
            return false;
        }

        await _store.DeleteAsync(_owner, address);
        _entries.Remove(address);
        _unsavedMatches.Remove(address);
        return true;
    }

    /// <summary>Deletes every entry, in the store and in memory.</summary>
    public async Task ClearAsync()
    {
        await _store.ClearAsync(_owner);
        _entries.Clear();
        _unsavedMatches.Clear();
    }

    /// <summary>
    /// Writes the matches counted since the last flush, in one batch; nothing when there are none. On failure they
    /// stay counted for the next flush (and the exception is thrown).
    /// </summary>
    public async Task FlushMatchesAsync(CancellationToken cancellationToken = default)
    {
        if (_unsavedMatches.Count == 0)
        {
            return;
        }

        var batch = new Dictionary<string, DateTimeOffset>(_unsavedMatches, StringComparer.Ordinal);
        await _store.RecordMatchesAsync(_owner, batch, cancellationToken);
        foreach (var (address, at) in batch)
        {
            if (_unsavedMatches.TryGetValue(address, out var current) && current == at)
            {
                _unsavedMatches.Remove(address);
            }
        }
    }

    private async Task<IReadOnlyList<string>> AddEntriesAsync(IReadOnlyList<WhiteListEntry> candidates)
    {
        var fresh = candidates.Where(e => !_entries.ContainsKey(e.Address)).DistinctBy(e => e.Address, StringComparer.Ordinal).ToArray();
        if (fresh.Length == 0)
        {
            return [];
        }

        if (_entries.Count + fresh.Length > _maxEntries)
        {
            // The store evicts by the times it holds: give it the matches only memory knows first, or an entry matched
            // a moment ago would go as if never matched.
            await FlushMatchesAsync();
        }

        var result = await _store.AddAsync(_owner, fresh, _maxEntries);
        var added = new HashSet<string>(result.Added, StringComparer.Ordinal);
        foreach (var entry in fresh.Where(e => added.Contains(e.Address)))
        {
            _entries[entry.Address] = entry;
        }

        foreach (var address in result.Evicted)
        {
            _entries.Remove(address);
            _unsavedMatches.Remove(address);
        }

        if (result.Evicted.Count > 0)
        {
            _logger.LogWarning(
                "White list of {Owner} is full ({MaxEntries} entries): evicted {Count} entries matched least recently",
                _owner, _maxEntries, result.Evicted.Count);
        }

        return result.Added;
    }

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
}
