using EmailAI.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace EmailAI.Storage.Postgres;

/// <summary>
/// <see cref="IWhiteListStore"/> on PostgreSQL (table <c>emailai_whitelist</c>, deploy/postgresql/006-whitelist.sql).
/// Each call is one statement or one transaction; several rows go in one statement (arrays unnested), not one
/// round trip each. An add first takes a transaction-scoped advisory lock on its owner, so adds for one owner from
/// two silos (a grain briefly active twice during a membership change) run one after the other and the second
/// counts the first's rows. Times are timestamptz, so they round-trip to the microsecond.
/// </summary>
public sealed class PostgresWhiteListStore(NpgsqlDataSource dataSource) : IWhiteListStore
{
    public async Task<IReadOnlyList<WhiteListEntry>> ListAsync(string owner, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT address, added_at, source, last_matched_at FROM emailai_whitelist
            WHERE owner = @owner ORDER BY address COLLATE "C"
            """);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<WhiteListEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new WhiteListEntry(
                reader.GetString(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return entries;
    }

    public async Task<int> CountAsync(string owner, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM emailai_whitelist WHERE owner = @owner");
        command.Parameters.AddWithValue("owner", owner);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<WhiteListAddition> AddAsync(string owner, IReadOnlyList<WhiteListEntry> entries, int maxEntries, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        var rows = entries.DistinctBy(e => e.Address, StringComparer.Ordinal).ToArray();
        if (rows.Length == 0)
        {
            return WhiteListAddition.None;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockOwner = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('emailai_whitelist:' || @owner, 0))", connection, transaction))
        {
            lockOwner.Parameters.AddWithValue("owner", owner);
            await lockOwner.ExecuteNonQueryAsync(cancellationToken);
        }

        var inserted = new List<string>();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO emailai_whitelist (owner, address, added_at, source, last_matched_at)
            SELECT @owner, i.address, i.added_at, i.source, i.last_matched_at
            FROM unnest(@addresses, @added, @sources, @matched) AS i(address, added_at, source, last_matched_at)
            ON CONFLICT (owner, address) DO NOTHING
            RETURNING address
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("owner", owner);
            insert.Parameters.Add(new NpgsqlParameter<string[]>("addresses", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. rows.Select(r => r.Address)] });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("added", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. rows.Select(r => r.AddedAt.ToUniversalTime())] });
            insert.Parameters.Add(new NpgsqlParameter<string[]>("sources", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. rows.Select(r => r.Source)] });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]>("matched", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. rows.Select(r => r.LastMatchedAt?.ToUniversalTime())] });
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add(reader.GetString(0));
            }
        }

        var evicted = new List<string>();
        if (inserted.Count > 0)
        {
            await using var evict = new NpgsqlCommand("""
                DELETE FROM emailai_whitelist WHERE owner = @owner AND address IN (
                    SELECT address FROM emailai_whitelist WHERE owner = @owner
                    ORDER BY address = ANY(@inserted), COALESCE(last_matched_at, added_at), address COLLATE "C"
                    LIMIT GREATEST((SELECT count(*) FROM emailai_whitelist WHERE owner = @owner) - @max, 0))
                RETURNING address
                """, connection, transaction);
            evict.Parameters.AddWithValue("owner", owner);
            evict.Parameters.AddWithValue("max", (long)maxEntries);
            evict.Parameters.Add(new NpgsqlParameter<string[]>("inserted", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. inserted] });
            await using var reader = await evict.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                evicted.Add(reader.GetString(0));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new WhiteListAddition(inserted, evicted);
    }

    public async Task<bool> DeleteAsync(string owner, string address, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM emailai_whitelist WHERE owner = @owner AND address = @address");
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("address", address);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<int> ClearAsync(string owner, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM emailai_whitelist WHERE owner = @owner");
        command.Parameters.AddWithValue("owner", owner);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordMatchesAsync(string owner, IReadOnlyDictionary<string, DateTimeOffset> matches, CancellationToken cancellationToken = default)
    {
        if (matches.Count == 0)
        {
            return;
        }

        // GREATEST ignores NULL, so a first match is recorded; an older time never replaces a newer one.
        await using var command = dataSource.CreateCommand("""
            UPDATE emailai_whitelist w SET last_matched_at = GREATEST(w.last_matched_at, m.at)
            FROM unnest(@addresses, @ats) AS m(address, at)
            WHERE w.owner = @owner AND w.address = m.address
            """);
        var pairs = matches.ToArray();
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(new NpgsqlParameter<string[]>("addresses", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. pairs.Select(p => p.Key)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. pairs.Select(p => p.Value.ToUniversalTime())] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
