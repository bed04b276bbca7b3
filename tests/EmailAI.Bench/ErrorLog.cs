namespace EmailAI.Bench;

/// <summary>Thread-safe tally of failures by distinct text, remembering the order in which each was first seen.</summary>
internal sealed class ErrorLog
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<string> _firstSeen = [];

    public void Record(string error)
    {
        lock (_lock)
        {
            if (_counts.TryGetValue(error, out var count))
            {
                _counts[error] = count + 1;
            }
            else
            {
                _counts[error] = 1;
                _firstSeen.Add(error);
            }
        }
    }

    /// <summary>The first <paramref name="limit"/> distinct errors in order of first occurrence, with their counts.</summary>
    public IReadOnlyList<(string Error, int Count)> Distinct(int limit)
    {
        lock (_lock)
        {
            return _firstSeen.Take(limit).Select(error => (error, _counts[error])).ToList();
        }
    }
}
