namespace EmailAI.Grains.Authentication;

/// <summary>
/// A bounded cache that keeps what is in use and forgets what is not, without bookkeeping per hit: entries live in a
/// recent generation and an older one, each of at most half the capacity. When the recent generation is full it
/// becomes the older one (the previous older one is dropped) and a new one starts; a hit in the older generation moves
/// the entry back into the recent one. A flood of one-off entries can therefore only push out entries that nobody used
/// for a whole generation, never the busy ones all at once, as clearing a full cache would. Thread-safe; the value is
/// made outside the lock, so two callers may make the same value once each.
/// </summary>
internal sealed class TwoGenerationCache<TKey, TValue>
    where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly int _generation;
    private readonly IEqualityComparer<TKey>? _comparer;
    private Dictionary<TKey, TValue> _recent;
    private Dictionary<TKey, TValue> _older;

    /// <param name="capacity">The most entries kept (at least 2).</param>
    public TwoGenerationCache(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _generation = capacity / 2;
        _comparer = comparer;
        _recent = new(comparer);
        _older = new(comparer);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _recent.Count + _older.Count;
            }
        }
    }

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> make)
    {
        lock (_gate)
        {
            if (_recent.TryGetValue(key, out var known))
            {
                return known;
            }

            if (_older.Remove(key, out known))
            {
                AddRecent(key, known);
                return known;
            }
        }

        var value = make(key);
        lock (_gate)
        {
            AddRecent(key, value);
        }

        return value;
    }

    private void AddRecent(TKey key, TValue value)
    {
        if (_recent.Count >= _generation && !_recent.ContainsKey(key))
        {
            _older = _recent;
            _recent = new(_comparer);
        }

        _recent[key] = value;
    }
}
