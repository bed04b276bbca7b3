using EmailAI.Contracts;
using Microsoft.Data.Sqlite;

namespace EmailAI.Storage.Sqlite;

/// <summary>
/// <see cref="IWhiteListStore"/> on the embedded database (table <c>whitelist</c>, see <see cref="SqliteSchema"/>).
/// Each write is one item of the writer's group commit, in its own savepoint, so it is atomic on its own; the single
/// writer thread also serialises adds, so an add's count and eviction see every earlier add. Times are unix
/// milliseconds, UTC.
/// </summary>
public sealed class SqliteWhiteListStore(SqliteDatabase database) : IWhiteListStore
{
    private const string SelectEntries = "SELECT address, added_at, source, last_matched_at FROM whitelist WHERE owner = $owner ORDER BY address;";

    public Task<IReadOnlyList<WhiteListEntry>> ListAsync(string owner, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<WhiteListEntry>>(
            _ =>
            {
                var command = database.PreparedRead(SelectEntries);
                command.Parameters.AddWithValue("$owner", owner);
                using var reader = command.ExecuteReader();
                var entries = new List<WhiteListEntry>();
                while (reader.Read())
                {
                    entries.Add(new WhiteListEntry(
                        reader.GetString(0),
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                        reader.GetString(2),
                        reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
                }

                return entries;
            },
            cancellationToken);

    public Task<int> CountAsync(string owner, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            _ =>
            {
                var command = database.PreparedRead("SELECT count(*) FROM whitelist WHERE owner = $owner;");
                command.Parameters.AddWithValue("$owner", owner);
                return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            },
            cancellationToken);

    public Task<WhiteListAddition> AddAsync(string owner, IReadOnlyList<WhiteListEntry> entries, int maxEntries, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        var rows = entries.DistinctBy(e => e.Address, StringComparer.Ordinal).ToArray();
        if (rows.Length == 0)
        {
            return Task.FromResult(WhiteListAddition.None);
        }

        return database.WriteAsync(_ =>
        {
            // One savepoint: the inserts and the eviction commit together or not at all.
            var insert = database.Prepared("""
                INSERT INTO whitelist (owner, address, added_at, source, last_matched_at)
                VALUES ($owner, $address, $added, $source, $matched) ON CONFLICT (owner, address) DO NOTHING;
                """);
            insert.Parameters.AddWithValue("$owner", owner);
            var address = insert.Parameters.Add("$address", SqliteType.Text);
            var added = insert.Parameters.Add("$added", SqliteType.Integer);
            var source = insert.Parameters.Add("$source", SqliteType.Text);
            var matched = insert.Parameters.Add("$matched", SqliteType.Integer);
            var inserted = new List<string>();
            foreach (var row in rows)
            {
                address.Value = row.Address;
                added.Value = row.AddedAt.ToUnixTimeMilliseconds();
                source.Value = row.Source;
                matched.Value = row.LastMatchedAt is { } at ? at.ToUnixTimeMilliseconds() : DBNull.Value;
                if (insert.ExecuteNonQuery() == 1)
                {
                    inserted.Add(row.Address);
                }
            }

            if (inserted.Count == 0)
            {
                return WhiteListAddition.None;
            }

            var count = database.Prepared("SELECT count(*) FROM whitelist WHERE owner = $owner;");
            count.Parameters.AddWithValue("$owner", owner);
            var surplus = Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) - maxEntries;
            var evicted = new List<string>();
            if (surplus > 0)
            {
                var evict = database.Prepared("""
                    DELETE FROM whitelist WHERE owner = $owner AND address IN (
                        SELECT address FROM whitelist WHERE owner = $owner
                        ORDER BY address IN (SELECT value FROM json_each($inserted)), coalesce(last_matched_at, added_at), address
                        LIMIT $surplus)
                    RETURNING address;
                    """);
                evict.Parameters.AddWithValue("$owner", owner);
                evict.Parameters.AddWithValue("$inserted", System.Text.Json.JsonSerializer.Serialize(inserted));
                evict.Parameters.AddWithValue("$surplus", surplus);
                using var reader = evict.ExecuteReader();
                while (reader.Read())
                {
                    evicted.Add(reader.GetString(0));
                }
            }

            return new WhiteListAddition(inserted, evicted);
        });
    }

    public Task<bool> DeleteAsync(string owner, string address, CancellationToken cancellationToken = default) =>
        database.WriteAsync(_ =>
        {
            var delete = database.Prepared("DELETE FROM whitelist WHERE owner = $owner AND address = $address;");
            delete.Parameters.AddWithValue("$owner", owner);
            delete.Parameters.AddWithValue("$address", address);
            return delete.ExecuteNonQuery() == 1;
        });

    public Task<int> ClearAsync(string owner, CancellationToken cancellationToken = default) =>
        database.WriteAsync(_ =>
        {
            var delete = database.Prepared("DELETE FROM whitelist WHERE owner = $owner;");
            delete.Parameters.AddWithValue("$owner", owner);
            return delete.ExecuteNonQuery();
        });

    public Task RecordMatchesAsync(string owner, IReadOnlyDictionary<string, DateTimeOffset> matches, CancellationToken cancellationToken = default)
    {
        if (matches.Count == 0)
        {
            return Task.CompletedTask;
        }

        var rows = matches.Select(m => (m.Key, m.Value.ToUnixTimeMilliseconds())).ToArray();
        return database.WriteAsync(_ =>
        {
            // max(NULL, x) is NULL in SQLite: coalesce first, so a first match is recorded.
            var update = database.Prepared("""
                UPDATE whitelist SET last_matched_at = max(coalesce(last_matched_at, $at), $at)
                WHERE owner = $owner AND address = $address;
                """);
            update.Parameters.AddWithValue("$owner", owner);
            var address = update.Parameters.Add("$address", SqliteType.Text);
            var at = update.Parameters.Add("$at", SqliteType.Integer);
            foreach (var (key, milliseconds) in rows)
            {
                address.Value = key;
                at.Value = milliseconds;
                update.ExecuteNonQuery();
            }

            return 0;
        });
    }
}
