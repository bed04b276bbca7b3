using EmailAI.Contracts;
using Npgsql;

namespace EmailAI.Storage.Postgres;

/// <summary>The queue tools of the admin API on PostgreSQL: search, the per-destination summary, attempt history and holds.</summary>
public sealed partial class PostgresMessageStore
{
    // lower() under the "C" collation folds ASCII letters only, as the embedded store's NOCASE does.
    private static readonly QueueFilterSql.Dialect Dialect = new(
        '@',
        (column, parameter) => $"lower({column} COLLATE \"C\") = lower({parameter} COLLATE \"C\")",
        time => time.ToUniversalTime(),
        time => time.ToUniversalTime());

    public async Task<IReadOnlyList<QueuedRecipient>> SearchQueueAsync(QueueFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var (where, parameters) = QueueFilterSql.Build(filter, Dialect);
        await using var command = dataSource.CreateCommand(SelectQueued + $"\nWHERE {where} ORDER BY o.id LIMIT @limit");
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name[1..], value);
        }

        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllQueuedAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<QueueDestination>> ListQueueDestinationsAsync(DateTimeOffset now, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);

        // The latest error by when it came; a row deferred before that was recorded sorts last.
        await using var command = dataSource.CreateCommand(
            """
            SELECT g.destination, g.messages, g.recipients, g.held, g.sending, g.oldest, g.next, e.last_error, e.last_error_at
            FROM (
                SELECT o.destination, count(DISTINCT o.message_id)::int AS messages, count(*)::int AS recipients,
                       count(*) FILTER (WHERE o.held)::int AS held,
                       count(*) FILTER (WHERE NOT o.held AND o.claim_until > @now)::int AS sending,
                       min(m.received_at) AS oldest,
                       min(GREATEST(o.next_attempt_at, o.claim_until)) FILTER (WHERE NOT o.held) AS next
                FROM emailai_outbound o JOIN emailai_message m ON m.id = o.message_id
                WHERE @after::text IS NULL OR o.destination COLLATE "C" > @after::text
                GROUP BY o.destination ORDER BY o.destination COLLATE "C" LIMIT @limit
            ) g
            LEFT JOIN emailai_outbound e ON e.id = (
                SELECT x.id FROM emailai_outbound x WHERE x.destination = g.destination AND x.last_error IS NOT NULL
                ORDER BY x.last_error_at DESC NULLS LAST, x.id DESC LIMIT 1)
            ORDER BY g.destination COLLATE "C"
            """);
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        command.Parameters.AddWithValue("after", NpgsqlTypes.NpgsqlDbType.Text, (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var destinations = new List<QueueDestination>();
        while (await reader.ReadAsync(cancellationToken))
        {
            destinations.Add(new QueueDestination(
                reader.GetString(0),
                reader.GetInt32(1),
                reader.GetInt32(2),
                reader.GetInt32(3),
                reader.GetInt32(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return destinations;
    }

    public async Task<IReadOnlyList<QueueAttempt>> ListAttemptsAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT outbound_id, at, host, reply FROM emailai_outbound_attempt WHERE outbound_id = ANY(@ids) ORDER BY outbound_id, id");
        command.Parameters.AddWithValue("ids", ids.Distinct().ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var attempts = new List<QueueAttempt>();
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(new QueueAttempt(
                reader.GetInt64(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3)));
        }

        return attempts;
    }

    public Task<int> SetHeldAsync(IReadOnlyCollection<long> ids, bool held, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        held
            ? UpdateQueueRowsAsync(ids, "held = true", _ => { }, cancellationToken, onlyWhere: "NOT held")
            : UpdateQueueRowsAsync(ids, "held = false, next_attempt_at = @now", p => p.AddWithValue("now", now.ToUniversalTime()), cancellationToken, onlyWhere: "held");
}
