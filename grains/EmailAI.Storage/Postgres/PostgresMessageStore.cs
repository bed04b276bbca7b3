using EmailAI.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace EmailAI.Storage.Postgres;

/// <summary>
/// <see cref="IMessageStore"/> on PostgreSQL, for the cluster. Each delivery is one transaction (content once,
/// one maildrop row per mailbox, the outbound copy and its queue rows, the queue rows it completes) that
/// returns only after COMMIT, with synchronous_commit on, so the WAL is flushed before the caller may answer
/// 250. PostgreSQL batches concurrent commits itself. Queue times are timestamptz, so they round-trip to the
/// microsecond.
/// </summary>
public sealed partial class PostgresMessageStore(NpgsqlDataSource dataSource) : IMessageStore, IQuarantineStore
{
    /// <summary>A queue row joined with its message row, in the column order <see cref="ReadQueued"/> expects.</summary>
    private const string SelectQueued = """
        SELECT o.id, o.message_id, m.queue_id, m.sender, o.recipient, o.destination, m.received_at, m.size,
               o.attempts, o.next_attempt_at, o.last_error, o.delay_warned, o.held, o.last_error_at, o.claim_until,
               m.trace_parent
        FROM emailai_outbound o JOIN emailai_message m ON m.id = o.message_id
        """;

    /// <summary>
    /// The queue rows of <c>@ids</c>, locked in id order. Statements that change several rows lock them through
    /// this, so two of them on overlapping rows (a delivery grain's defer and an admin's reschedule) queue up
    /// behind each other instead of deadlocking.
    /// </summary>
    private const string LockQueueRows = "SELECT id FROM emailai_outbound WHERE id = ANY(@ids) ORDER BY id FOR UPDATE";

    public Task<IReadOnlyList<long>> DeliverAsync(StoredMessage message, IReadOnlyList<string> mailboxes, CancellationToken cancellationToken = default)
    {
        if (mailboxes.Count == 0)
        {
            throw new ArgumentException("A message needs at least one maildrop.", nameof(mailboxes));
        }

        return CommitAsync(new StoreDelivery(message, mailboxes, Outbound: null, Completes: []), cancellationToken);
    }

    public async Task<IReadOnlyList<long>> CommitAsync(StoreDelivery delivery, CancellationToken cancellationToken = default)
    {
        var plan = DeliveryPlan.From(delivery);
        try
        {
            return await CommitAsync(plan, cancellationToken);
        }
        catch (Exception ex) when (StorageErrors.IsOutOfSpace(ex))
        {
            // disk_full (SQLSTATE 53100): nothing of the transaction committed.
            throw StorageErrors.Translate(ex);
        }
    }

    public async Task<IReadOnlyList<MaildropEntry>> ListMaildropAsync(string mailbox, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT uid, size, received_at FROM emailai_maildrop WHERE mailbox = @mailbox ORDER BY uid");
        command.Parameters.AddWithValue("mailbox", mailbox);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<MaildropEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new MaildropEntry(reader.GetInt64(0), reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return entries;
    }

    public async Task<(int Count, long Bytes)> GetMaildropSummaryAsync(string mailbox, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*), coalesce(sum(size), 0) FROM emailai_maildrop WHERE mailbox = @mailbox");
        command.Parameters.AddWithValue("mailbox", mailbox);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return ((int)reader.GetInt64(0), reader.GetInt64(1));
    }

    public async Task<IReadOnlyList<MaildropSummary>> ListMaildropsAsync(CancellationToken cancellationToken = default)
    {
        // COLLATE "C": ordinal order, as the embedded store sorts.
        await using var command = dataSource.CreateCommand(
            "SELECT mailbox, count(*), sum(size)::bigint FROM emailai_maildrop GROUP BY mailbox ORDER BY mailbox COLLATE \"C\"");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var maildrops = new List<MaildropSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            maildrops.Add(new MaildropSummary(reader.GetString(0), (int)reader.GetInt64(1), reader.GetInt64(2)));
        }

        return maildrops;
    }

    public async Task<byte[]?> ReadMessageAsync(string mailbox, long uid, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT m.content FROM emailai_maildrop d JOIN emailai_message m ON m.id = d.message_id
            WHERE d.mailbox = @mailbox AND d.uid = @uid
            """);
        command.Parameters.AddWithValue("mailbox", mailbox);
        command.Parameters.AddWithValue("uid", uid);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public async Task<int> DeleteMessagesAsync(string mailbox, IReadOnlyCollection<long>? uids, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var messageIds = new List<long>();
        await using (var delete = new NpgsqlCommand(
            "DELETE FROM emailai_maildrop WHERE mailbox = @mailbox AND (@all OR uid = ANY(@uids)) RETURNING message_id",
            connection,
            transaction))
        {
            delete.Parameters.AddWithValue("mailbox", mailbox);
            delete.Parameters.AddWithValue("all", uids is null);
            delete.Parameters.AddWithValue("uids", (uids ?? []).ToArray());
            await using var reader = await delete.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                messageIds.Add(reader.GetInt64(0));
            }
        }

        await CollectContentAsync(connection, transaction, messageIds, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return messageIds.Count;
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT 1");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    public async Task<IReadOnlyList<QueuedRecipient>> ListDueAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await using var command = dataSource.CreateCommand(SelectQueued + """

            WHERE o.destination = @destination AND o.next_attempt_at <= @now AND NOT o.held
              AND (o.claim_until IS NULL OR o.claim_until <= @now)
            ORDER BY o.next_attempt_at, o.id LIMIT @limit
            """);
        command.Parameters.AddWithValue("destination", destination);
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllQueuedAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListDueDestinationsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);

        // Most overdue first, so a limit smaller than the backlog never starves a destination.
        await using var command = dataSource.CreateCommand(
            """
            SELECT destination FROM emailai_outbound
            WHERE next_attempt_at <= @now AND NOT held AND (claim_until IS NULL OR claim_until <= @now)
            GROUP BY destination ORDER BY min(next_attempt_at), destination LIMIT @limit
            """);
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var destinations = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            destinations.Add(reader.GetString(0));
        }

        return destinations;
    }

    public async Task<DateTimeOffset?> GetNextAttemptAsync(string destination, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT min(GREATEST(next_attempt_at, claim_until)) FROM emailai_outbound WHERE destination = @destination AND NOT held");
        command.Parameters.AddWithValue("destination", destination);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
    }

    public async Task<IReadOnlyList<QueuedRecipient>> ListByQueueIdAsync(string queueId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await using var command = dataSource.CreateCommand(SelectQueued + """

            WHERE m.queue_id = @queue ORDER BY o.id LIMIT @limit
            """);
        command.Parameters.AddWithValue("queue", queueId);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllQueuedAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<QueuedRecipient>> ListQueueAsync(long afterId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await using var command = dataSource.CreateCommand(SelectQueued + """

            WHERE o.id > @after ORDER BY o.id LIMIT @limit
            """);
        command.Parameters.AddWithValue("after", afterId);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllQueuedAsync(command, cancellationToken);
    }

    public async Task<QueuedRecipient?> GetQueuedAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(SelectQueued + """

            WHERE o.id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadQueued(reader) : null;
    }

    public async Task<byte[]?> ReadOutboundAsync(long messageId, CancellationToken cancellationToken = default)
    {
        // Only content a queue row refers to: a maildrop's message id is not an outbound message.
        await using var command = dataSource.CreateCommand(
            """
            SELECT m.content FROM emailai_message m
            WHERE m.id = @id AND EXISTS (SELECT 1 FROM emailai_outbound o WHERE o.message_id = m.id)
            """);
        command.Parameters.AddWithValue("id", messageId);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public async Task<int> CompleteAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        long[] distinct = [.. ids.Distinct()];
        if (distinct.Length == 0)
        {
            return 0;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var removed = await DeleteQueueRowsAsync(connection, transaction, distinct, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    public async Task DeferAsync(
        IReadOnlyCollection<long> ids, DateTimeOffset nextAttemptAt, string error, DateTimeOffset attemptedAt, string? host, CancellationToken cancellationToken = default)
    {
        long[] distinct = [.. ids.Distinct()];
        if (distinct.Length == 0)
        {
            return;
        }

        // One statement: the rows that still exist are deferred, and each gets its attempt; then each keeps its newest.
        await using var command = dataSource.CreateCommand($"""
            WITH deferred AS (
                UPDATE emailai_outbound SET attempts = attempts + 1, last_error = @error, last_error_at = @at, next_attempt_at = @next,
                    claim_owner = NULL, claim_until = NULL
                WHERE id IN ({LockQueueRows}) RETURNING id),
            recorded AS (
                INSERT INTO emailai_outbound_attempt (outbound_id, at, host, reply) SELECT id, @at, @host, @error FROM deferred)
            DELETE FROM emailai_outbound_attempt a USING deferred d
            WHERE a.outbound_id = d.id AND a.id <= (
                SELECT x.id FROM emailai_outbound_attempt x WHERE x.outbound_id = d.id ORDER BY x.id DESC OFFSET {IOutboundQueueStore.MaxAttemptsKept - 1} LIMIT 1)
            """);
        command.Parameters.AddWithValue("error", error);
        command.Parameters.AddWithValue("at", attemptedAt.ToUniversalTime());
        command.Parameters.AddWithValue("host", NpgsqlDbType.Text, (object?)host ?? DBNull.Value);
        command.Parameters.AddWithValue("next", nextAttemptAt.ToUniversalTime());
        command.Parameters.AddWithValue("ids", distinct);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<int> RescheduleAsync(IReadOnlyCollection<long> ids, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default) =>
        UpdateQueueRowsAsync(
            ids,
            "next_attempt_at = @next",
            parameters => parameters.AddWithValue("next", nextAttemptAt.ToUniversalTime()),
            cancellationToken);

    public async Task<IReadOnlyList<long>> ClaimAsync(IReadOnlyCollection<long> ids, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        long[] distinct = [.. ids.Distinct()];
        if (distinct.Length == 0)
        {
            return [];
        }

        // One conditional UPDATE: a row another transaction claims meanwhile is locked, and once that commits
        // PostgreSQL re-checks the condition on the new version (READ COMMITTED), so exactly one claimer wins.
        await using var command = dataSource.CreateCommand($"""
            UPDATE emailai_outbound SET claim_owner = @owner, claim_until = @until
            WHERE id IN ({LockQueueRows}) AND (((claim_until IS NULL OR claim_until <= @now) AND NOT held) OR claim_owner = @owner)
            RETURNING id
            """);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("until", until.ToUniversalTime());
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        command.Parameters.AddWithValue("ids", distinct);
        var claimed = new List<long>(distinct.Length);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(reader.GetInt64(0));
        }

        claimed.Sort();
        return claimed;
    }

    public async Task<int> ReleaseClaimAsync(IReadOnlyCollection<long> ids, string owner, CancellationToken cancellationToken = default)
    {
        long[] distinct = [.. ids.Distinct()];
        if (distinct.Length == 0)
        {
            return 0;
        }

        await using var command = dataSource.CreateCommand(
            "UPDATE emailai_outbound SET claim_owner = NULL, claim_until = NULL WHERE id = ANY(@ids) AND claim_owner = @owner");
        command.Parameters.AddWithValue("ids", distinct);
        command.Parameters.AddWithValue("owner", owner);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task MarkDelayWarnedAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default) =>
        UpdateQueueRowsAsync(ids, "delay_warned = true", _ => { }, cancellationToken);

    private async Task<IReadOnlyList<long>> CommitAsync(DeliveryPlan plan, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One transaction: all of it commits or none.
        var missing = 0;
        if (plan.Completes.Length > 0)
        {
            missing += plan.Completes.Length - await DeleteQueueRowsAsync(connection, transaction, plan.Completes, cancellationToken);
        }

        if (plan.DelayWarned.Length > 0)
        {
            await using var mark = new NpgsqlCommand("UPDATE emailai_outbound SET delay_warned = true WHERE id = ANY(@ids)", connection, transaction);
            mark.Parameters.AddWithValue("ids", plan.DelayWarned);
            missing += plan.DelayWarned.Length - await mark.ExecuteNonQueryAsync(cancellationToken);
        }

        if (plan.RequiresRows && missing > 0)
        {
            // Disposing the transaction uncommitted rolls it back.
            throw new QueueRowsGoneException(missing);
        }

        var uids = new List<long>();
        foreach (var copy in plan.Copies)
        {
            uids.AddRange(await InsertMaildropsAsync(connection, transaction, copy.Message, [.. copy.Mailboxes], cancellationToken));
        }

        foreach (var held in plan.Quarantine)
        {
            await InsertQuarantineAsync(connection, transaction, held, cancellationToken);
        }

        if (plan.Outbound is not null)
        {
            await InsertQueueRowsAsync(connection, transaction, plan.Outbound, plan.Recipients, cancellationToken);
        }

        foreach (var more in plan.AdditionalOutbound)
        {
            await InsertQueueRowsAsync(connection, transaction, more, [.. more.Recipients], cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return uids;
    }

    /// <summary>Stores the content once and appends it to each maildrop. Returns the uids, in the order of <paramref name="mailboxes"/>.</summary>
    private static async Task<IReadOnlyList<long>> InsertMaildropsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, StoredMessage message, string[] mailboxes, CancellationToken cancellationToken)
    {
        long messageId;
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO emailai_message (queue_id, sender, received_at, size, content)
            VALUES (@queue, @sender, @received, @size, @content) RETURNING id
            """,
            connection,
            transaction))
        {
            AddMessageParameters(insert.Parameters, message);
            messageId = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }

        // One round trip for all maildrop rows; each command returns its uid, in the order of mailboxes.
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var mailbox in mailboxes)
        {
            var command = new NpgsqlBatchCommand(
                "INSERT INTO emailai_maildrop (mailbox, message_id, size, received_at) VALUES (@mailbox, @message, @size, @received) RETURNING uid");
            command.Parameters.AddWithValue("mailbox", mailbox);
            command.Parameters.AddWithValue("message", messageId);
            command.Parameters.AddWithValue("size", message.Content.Length);
            command.Parameters.AddWithValue("received", message.ReceivedAt.ToUniversalTime());
            batch.BatchCommands.Add(command);
        }

        var uids = new List<long>(mailboxes.Length);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                uids.Add(reader.GetInt64(0));
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        return uids;
    }

    /// <summary>Stores the outbound copy's content and one queue row per recipient, in one round trip.</summary>
    private static async Task InsertQueueRowsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, OutboundMessage outbound, OutboundRecipient[] recipients, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            """
            WITH m AS (
                INSERT INTO emailai_message (queue_id, sender, received_at, size, content, trace_parent)
                VALUES (@queue, @sender, @received, @size, @content, @trace) RETURNING id)
            INSERT INTO emailai_outbound (message_id, recipient, destination, attempts, next_attempt_at, delay_warned)
            SELECT m.id, r.recipient, r.destination, 0, @next, false
            FROM m, unnest(@recipients::text[], @destinations::text[]) AS r (recipient, destination)
            """,
            connection,
            transaction);
        AddMessageParameters(insert.Parameters, outbound.Message);
        insert.Parameters.Add(new NpgsqlParameter<string?>("trace", NpgsqlDbType.Text) { TypedValue = outbound.StoredTraceParent });
        insert.Parameters.AddWithValue("next", outbound.FirstAttemptAt.ToUniversalTime());
        insert.Parameters.AddWithValue("recipients", recipients.Select(r => r.Recipient).ToArray());
        insert.Parameters.AddWithValue("destinations", recipients.Select(r => r.Destination).ToArray());
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes queue rows (unknown ids are ignored) and then their content if nothing else refers to it. Returns how many rows went.</summary>
    private static async Task<int> DeleteQueueRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long[] ids, CancellationToken cancellationToken)
    {
        var messageIds = new List<long>(ids.Length);
        await using (var delete = new NpgsqlCommand(
            $"DELETE FROM emailai_outbound WHERE id IN ({LockQueueRows}) RETURNING message_id",
            connection,
            transaction))
        {
            delete.Parameters.AddWithValue("ids", ids);
            await using var reader = await delete.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                messageIds.Add(reader.GetInt64(0));
            }
        }

        await CollectContentAsync(connection, transaction, messageIds, cancellationToken);
        return messageIds.Count;
    }

    /// <summary>
    /// Removes those message rows that no maildrop row, queue row or held row refers to any more, in the caller's
    /// transaction, after it removed its references. The content rows are locked first: two sessions removing
    /// the last two references at once (two maildrops, two recipients, or one of each) then take turns, and
    /// the second one's DELETE, a new statement with a new snapshot, sees the first's removal, so shared
    /// content is never left behind.
    /// </summary>
    private static async Task CollectContentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<long> messageIds, CancellationToken cancellationToken)
    {
        if (messageIds.Count == 0)
        {
            return;
        }

        var ids = messageIds.Distinct().Order().ToArray();
        await using (var lockRows = new NpgsqlCommand("SELECT id FROM emailai_message WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", connection, transaction))
        {
            lockRows.Parameters.AddWithValue("ids", ids);
            await lockRows.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var orphans = new NpgsqlCommand(
            """
            DELETE FROM emailai_message m WHERE m.id = ANY(@ids)
            AND NOT EXISTS (SELECT 1 FROM emailai_maildrop d WHERE d.message_id = m.id)
            AND NOT EXISTS (SELECT 1 FROM emailai_outbound o WHERE o.message_id = m.id)
            AND NOT EXISTS (SELECT 1 FROM emailai_quarantine q WHERE q.message_id = m.id)
            """,
            connection,
            transaction);
        orphans.Parameters.AddWithValue("ids", ids);
        await orphans.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>One UPDATE of the distinct rows of <paramref name="ids"/>, locked in id order. Returns how many rows changed.</summary>
    private async Task<int> UpdateQueueRowsAsync(
        IReadOnlyCollection<long> ids, string assignments, Action<NpgsqlParameterCollection> bind, CancellationToken cancellationToken, string onlyWhere = "true")
    {
        long[] distinct = [.. ids.Distinct()];
        if (distinct.Length == 0)
        {
            return 0;
        }

        await using var command = dataSource.CreateCommand($"UPDATE emailai_outbound SET {assignments} WHERE id IN ({LockQueueRows}) AND {onlyWhere}");
        bind(command.Parameters);
        command.Parameters.AddWithValue("ids", distinct);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddMessageParameters(NpgsqlParameterCollection parameters, StoredMessage message)
    {
        parameters.AddWithValue("queue", message.QueueId);
        parameters.AddWithValue("sender", message.Sender);
        parameters.AddWithValue("received", message.ReceivedAt.ToUniversalTime());
        parameters.AddWithValue("size", message.Content.Length);
        parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("content", NpgsqlDbType.Bytea) { TypedValue = message.Content });
    }

    private static async Task<IReadOnlyList<QueuedRecipient>> ReadAllQueuedAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<QueuedRecipient>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadQueued(reader));
        }

        return rows;
    }

    private static QueuedRecipient ReadQueued(NpgsqlDataReader reader) => new(
        Id: reader.GetInt64(0),
        MessageId: reader.GetInt64(1),
        QueueId: reader.GetString(2),
        Sender: reader.GetString(3),
        Recipient: reader.GetString(4),
        Destination: reader.GetString(5),
        ReceivedAt: reader.GetFieldValue<DateTimeOffset>(6),
        Size: reader.GetInt32(7),
        Attempts: reader.GetInt32(8),
        NextAttemptAt: reader.GetFieldValue<DateTimeOffset>(9),
        LastError: reader.IsDBNull(10) ? null : reader.GetString(10),
        DelayWarned: reader.GetBoolean(11),
        Held: reader.GetBoolean(12),
        LastErrorAt: reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
        ClaimedUntil: reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
        TraceParent: reader.IsDBNull(15) ? null : reader.GetString(15));
}
