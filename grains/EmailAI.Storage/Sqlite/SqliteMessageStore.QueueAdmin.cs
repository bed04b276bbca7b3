using EmailAI.Contracts;
using Microsoft.Data.Sqlite;

namespace EmailAI.Storage.Sqlite;

/// <summary>The queue tools of the admin API on the embedded database: search, the per-destination summary, attempt history and holds.</summary>
public sealed partial class SqliteMessageStore
{
    private static readonly QueueFilterSql.Dialect Dialect = new(
        '$',
        (column, parameter) => $"{column} = {parameter} COLLATE NOCASE",
        time => time.ToUnixTimeMilliseconds(),
        time => FormatReceivedAt(time));

    public Task<IReadOnlyList<QueuedRecipient>> SearchQueueAsync(QueueFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var (where, parameters) = QueueFilterSql.Build(filter, Dialect);
        return database.ReadAsync<IReadOnlyList<QueuedRecipient>>(
            _ =>
            {
                var command = database.PreparedRead(SelectQueued + $"\nWHERE {where} ORDER BY o.id LIMIT $limit;");
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.AddWithValue(name, value);
                }

                command.Parameters.AddWithValue("$limit", limit);
                return ReadAllQueued(command);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<QueueDestination>> ListQueueDestinationsAsync(DateTimeOffset now, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return database.ReadAsync<IReadOnlyList<QueueDestination>>(
            _ =>
            {
                // The latest error by when it came; a row deferred before that was recorded sorts last (NULL is smallest).
                var command = database.PreparedRead("""
                    SELECT g.destination, g.messages, g.recipients, g.held, g.sending, g.oldest, g.next, e.last_error, e.last_error_at
                    FROM (
                        SELECT o.destination, count(DISTINCT o.message_id) AS messages, count(*) AS recipients, sum(o.held) AS held,
                               sum(CASE WHEN o.held = 0 AND o.claim_until > $now THEN 1 ELSE 0 END) AS sending,
                               min(m.received_at) AS oldest,
                               min(CASE WHEN o.held = 0 THEN max(o.next_attempt_at, coalesce(o.claim_until, 0)) END) AS next
                        FROM outbound o JOIN message m ON m.id = o.message_id
                        WHERE $after IS NULL OR o.destination > $after
                        GROUP BY o.destination ORDER BY o.destination LIMIT $limit
                    ) g
                    LEFT JOIN outbound e ON e.id = (
                        SELECT x.id FROM outbound x WHERE x.destination = g.destination AND x.last_error IS NOT NULL
                        ORDER BY x.last_error_at DESC, x.id DESC LIMIT 1)
                    ORDER BY g.destination;
                    """);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$after", (object?)after ?? DBNull.Value);
                command.Parameters.AddWithValue("$limit", limit);
                using var reader = command.ExecuteReader();
                var destinations = new List<QueueDestination>();
                while (reader.Read())
                {
                    destinations.Add(new QueueDestination(
                        reader.GetString(0),
                        reader.GetInt32(1),
                        reader.GetInt32(2),
                        reader.GetInt32(3),
                        reader.GetInt32(4),
                        ParseReceivedAt(reader.GetString(5)),
                        reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                        reader.IsDBNull(7) ? null : reader.GetString(7),
                        reader.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))));
                }

                return destinations;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<QueueAttempt>> ListAttemptsAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        long[] distinct = [.. ids.Distinct().Order()];
        return database.ReadAsync<IReadOnlyList<QueueAttempt>>(
            _ =>
            {
                var command = database.PreparedRead("SELECT outbound_id, at, host, reply FROM outbound_attempt WHERE outbound_id = $id ORDER BY id;");
                var id = command.Parameters.Add("$id", SqliteType.Integer);
                var attempts = new List<QueueAttempt>();
                foreach (var value in distinct)
                {
                    id.Value = value;
                    using var reader = command.ExecuteReader();
                    while (reader.Read())
                    {
                        attempts.Add(new QueueAttempt(
                            reader.GetInt64(0),
                            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                            reader.IsDBNull(2) ? null : reader.GetString(2),
                            reader.GetString(3)));
                    }
                }

                return attempts;
            },
            cancellationToken);
    }

    public Task<int> SetHeldAsync(IReadOnlyCollection<long> ids, bool held, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        held
            ? UpdateQueueRowsAsync(ids, "UPDATE outbound SET held = 1 WHERE id = $id AND held = 0;", _ => { })
            : UpdateQueueRowsAsync(
                ids,
                "UPDATE outbound SET held = 0, next_attempt_at = $now WHERE id = $id AND held = 1;",
                parameters => parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds()));
}
