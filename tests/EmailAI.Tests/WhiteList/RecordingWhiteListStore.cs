using EmailAI.Contracts;
using EmailAI.Storage;

namespace EmailAI.Tests.WhiteList;

/// <summary>An <see cref="IWhiteListStore"/> over a real one that counts the writes it passes on and can be told to fail them.</summary>
public sealed class RecordingWhiteListStore(IWhiteListStore inner) : IWhiteListStore
{
    /// <summary>Each write, by name ("add", "delete", "clear", "matches:N" with N the batch size), in order.</summary>
    public List<string> Writes { get; } = [];

    /// <summary>When set, every write throws it instead of reaching the store.</summary>
    public Exception? FailWrites { get; set; }

    public Task<IReadOnlyList<WhiteListEntry>> ListAsync(string owner, CancellationToken cancellationToken = default) => inner.ListAsync(owner, cancellationToken);

    public Task<int> CountAsync(string owner, CancellationToken cancellationToken = default) => inner.CountAsync(owner, cancellationToken);

    public Task<WhiteListAddition> AddAsync(string owner, IReadOnlyList<WhiteListEntry> entries, int maxEntries, CancellationToken cancellationToken = default) =>
        Write("add", () => inner.AddAsync(owner, entries, maxEntries, cancellationToken));

    public Task<bool> DeleteAsync(string owner, string address, CancellationToken cancellationToken = default) =>
        Write("delete", () => inner.DeleteAsync(owner, address, cancellationToken));

    public Task<int> ClearAsync(string owner, CancellationToken cancellationToken = default) =>
        Write("clear", () => inner.ClearAsync(owner, cancellationToken));

    public Task RecordMatchesAsync(string owner, IReadOnlyDictionary<string, DateTimeOffset> matches, CancellationToken cancellationToken = default) =>
        Write($"matches:{matches.Count}", async () =>
        {
            await inner.RecordMatchesAsync(owner, matches, cancellationToken);
            return 0;
        });

    private Task<T> Write<T>(string name, Func<Task<T>> write)
    {
        if (FailWrites is { } failure)
        {
            return Task.FromException<T>(failure);
        }

        Writes.Add(name);
        return write();
    }
}
