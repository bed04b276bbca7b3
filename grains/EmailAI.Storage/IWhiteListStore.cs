using EmailAI.Contracts;

namespace EmailAI.Storage;

/// <summary>
/// The auto white lists, one row per (owner, address), so that a change writes the rows it changes and never the
/// whole list. Contract, the same on every backend:
/// <list type="bullet">
/// <item>Keys are taken as given and compared exactly (ordinal): callers pass normal forms (the owner's account
/// key, the address's <see cref="EmailAddress"/> key); the store does not fold case or IDN spellings.</item>
/// <item>Times are UTC and kept to the millisecond at least (SQLite stores unix milliseconds, PostgreSQL
/// timestamptz): callers that compare a read time with the one they wrote truncate to milliseconds first.</item>
/// <item>Each call is one transaction: it commits whole or not at all, and its task completes only after the
/// commit is durable. Every call is safe to repeat: adding is insert-if-absent, deleting what is gone is a no-op,
/// and a recorded match never moves <c>last_matched_at</c> backwards.</item>
/// <item>The bound: an add that leaves more than <c>maxEntries</c> rows for the owner deletes, in the same
/// transaction, the surplus rows matched least recently — ordered by <c>COALESCE(last_matched_at, added_at)</c>,
/// oldest first, then by address, the rows this call inserted last (a new entry goes only when the call alone passes
/// the bound) — so a list never holds more than its bound once the add commits. Adds for one
/// owner are serialised by the store, so two concurrent adds cannot both skip an eviction.</item>
/// </list>
/// Failures are thrown as the backend throws them (temporary: the caller may retry).
/// </summary>
public interface IWhiteListStore
{
    /// <summary>The owner's entries, ordered by address (ordinal); empty for an owner with none.</summary>
    Task<IReadOnlyList<WhiteListEntry>> ListAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>How many entries the owner has.</summary>
    Task<int> CountAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts the entries the owner does not have yet (an address already listed keeps its row unchanged; the
    /// first of duplicate addresses in <paramref name="entries"/> wins), then evicts down to
    /// <paramref name="maxEntries"/> (see the bound above), all in one transaction. Answers which addresses were
    /// inserted and which were evicted (an entry inserted by this call may be among the evicted when the call alone
    /// passes the bound).
    /// </summary>
    Task<WhiteListAddition> AddAsync(string owner, IReadOnlyList<WhiteListEntry> entries, int maxEntries, CancellationToken cancellationToken = default);

    /// <summary>Deletes one entry; false when the owner had no such entry.</summary>
    Task<bool> DeleteAsync(string owner, string address, CancellationToken cancellationToken = default);

    /// <summary>Deletes every entry of the owner (the account was deleted); answers how many went.</summary>
    Task<int> ClearAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records, in one transaction, when mail from each address last matched: <c>last_matched_at</c> becomes the
    /// later of the stored and the given time. Addresses no longer listed (deleted or evicted meanwhile) are skipped.
    /// </summary>
    Task RecordMatchesAsync(string owner, IReadOnlyDictionary<string, DateTimeOffset> matches, CancellationToken cancellationToken = default);
}
