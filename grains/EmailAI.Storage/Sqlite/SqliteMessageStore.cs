using System.Globalization;
using System.Runtime.InteropServices;
using EmailAI.Contracts;
using Microsoft.Data.Sqlite;

namespace EmailAI.Storage.Sqlite;

/// <summary>
/// <see cref="IMessageStore"/> on the embedded database. Each write (a delivery, a deletion, a queue update) is
/// one item of the writer's group commit, so it is atomic on its own; reads run on the calling thread's read
/// connection. Queue times are stored as unix milliseconds, so they round-trip to the millisecond.
/// </summary>
public sealed partial class SqliteMessageStore(SqliteDatabase database) : IMessageStore, IQuarantineStore
{
    /// <summary>A queue row joined with its message row, in the column order <see cref="ReadQueued"/> expects.</summary>
    private const string SelectQueued = """
        SELECT o.id, o.message_id, m.queue_id, m.sender, o.recipient, o.destination, m.received_at, m.size,
               o.attempts, o.next_attempt_at, o.last_error, o.delay_warned, o.held, o.last_error_at, o.claim_until,
               m.trace_parent
        FROM outbound o JOIN message m ON m.id = o.message_id
        """;

    public Task<IReadOnlyList<long>> DeliverAsync(StoredMessage message, IReadOnlyList<string> mailboxes, CancellationToken cancellationToken = default)
    {
        if (mailboxes.Count == 0)
        {
            throw new ArgumentException("A message needs at least one maildrop.", nameof(mailboxes));
        }

        return CommitAsync(new StoreDelivery(message, mailboxes, Outbound: null, Completes: []), cancellationToken);
    }

    public Task<IReadOnlyList<long>> CommitAsync(StoreDelivery delivery, CancellationToken cancellationToken = default)
    {
        var plan = DeliveryPlan.From(delivery);

        // The write runs later on the writer thread; the caller keeps the buffers unchanged until the task
        // completes (it awaits it), so a whole array is used as it is and only a slice is copied.
        var localContents = plan.Copies.Select(c => ContentArray(c.Message.Content)).ToArray();
        var outboundContent = plan.Outbound is null ? null : ContentArray(plan.Outbound.Message.Content);
        var moreOutboundContents = plan.AdditionalOutbound.Select(o => ContentArray(o.Message.Content)).ToArray();
        var heldContents = plan.Quarantine.Select(c => ContentArray(c.Message.Content)).ToArray();
        return database.WriteAsync<IReadOnlyList<long>>(_ =>
        {
            // One savepoint: all of it commits or none (a throw rolls it back).
            var removed = DeleteQueueRows(plan.Completes);
            var marked = 0;
            if (plan.DelayWarned.Length > 0)
            {
                var mark = database.Prepared("UPDATE outbound SET delay_warned = 1 WHERE id = $id;");
                var id = mark.Parameters.Add("$id", SqliteType.Integer);
                foreach (var value in plan.DelayWarned)
                {
                    id.Value = value;
                    marked += mark.ExecuteNonQuery();
                }
            }

            var missing = plan.Completes.Length - removed + plan.DelayWarned.Length - marked;
            if (plan.RequiresRows && missing > 0)
            {
                throw new QueueRowsGoneException(missing);
            }

            var uids = new List<long>();
            for (var i = 0; i < plan.Copies.Length; i++)
            {
                var copy = plan.Copies[i];
                var messageId = InsertMessage(copy.Message, localContents[i]);
                uids.AddRange(InsertMaildrops(messageId, [.. copy.Mailboxes], localContents[i].Length, copy.Message.ReceivedAt));
            }

            for (var i = 0; i < plan.Quarantine.Length; i++)
            {
                InsertQuarantine(plan.Quarantine[i], InsertMessage(plan.Quarantine[i].Message, heldContents[i]), heldContents[i].Length);
            }

            if (plan.Outbound is not null)
            {
                var messageId = InsertMessage(plan.Outbound.Message, outboundContent!, plan.Outbound.StoredTraceParent);
                InsertQueueRows(messageId, plan.Recipients, plan.Outbound.FirstAttemptAt);
            }

            for (var i = 0; i < plan.AdditionalOutbound.Length; i++)
            {
                var more = plan.AdditionalOutbound[i];
                InsertQueueRows(InsertMessage(more.Message, moreOutboundContents[i], more.StoredTraceParent), [.. more.Recipients], more.FirstAttemptAt);
            }

            return uids;
        });
    }

    public Task<int> DeleteMessagesAsync(string mailbox, IReadOnlyCollection<long>? uids, CancellationToken cancellationToken = default)
    {
        var selected = uids?.ToArray();
        return database.WriteAsync(_ =>
        {
            // The message ids first, so content left without any maildrop row can be removed after.
            var messageIds = new List<long>();
            var select = database.Prepared("SELECT uid, message_id FROM maildrop WHERE mailbox = $mailbox;");
            select.Parameters.AddWithValue("$mailbox", mailbox);
            var wanted = selected?.ToHashSet();
            var removeUids = new List<long>();
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    var uid = reader.GetInt64(0);
                    if (wanted is null || wanted.Contains(uid))
                    {
                        removeUids.Add(uid);
                        messageIds.Add(reader.GetInt64(1));
                    }
                }
            }

            var deleteDrop = database.Prepared("DELETE FROM maildrop WHERE uid = $uid;");
            var uidParameter = deleteDrop.Parameters.Add("$uid", SqliteType.Integer);
            foreach (var uid in removeUids)
            {
                uidParameter.Value = uid;
                deleteDrop.ExecuteNonQuery();
            }

            CollectContent(messageIds);
            return removeUids.Count;
        });
    }

    public Task<IReadOnlyList<MaildropEntry>> ListMaildropAsync(string mailbox, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<MaildropEntry>>(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT uid, size, received_at FROM maildrop WHERE mailbox = $mailbox ORDER BY uid;";
                command.Parameters.AddWithValue("$mailbox", mailbox);
                using var reader = command.ExecuteReader();
                var entries = new List<MaildropEntry>();
                while (reader.Read())
                {
                    entries.Add(new MaildropEntry(reader.GetInt64(0), reader.GetInt64(1), ParseReceivedAt(reader.GetString(2))));
                }

                return entries;
            },
            cancellationToken);

    public Task<(int Count, long Bytes)> GetMaildropSummaryAsync(string mailbox, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                // One row of the trigger-kept usage table (SqliteSchema), however many messages the maildrop holds.
                command.CommandText = "SELECT count, bytes FROM maildrop_usage WHERE mailbox = $mailbox;";
                command.Parameters.AddWithValue("$mailbox", mailbox);
                using var reader = command.ExecuteReader();
                return reader.Read() ? (reader.GetInt32(0), reader.GetInt64(1)) : (0, 0L);
            },
            cancellationToken);

    public Task<IReadOnlyList<MaildropSummary>> ListMaildropsAsync(CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<MaildropSummary>>(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT mailbox, count, bytes FROM maildrop_usage ORDER BY mailbox;";
                using var reader = command.ExecuteReader();
                var maildrops = new List<MaildropSummary>();
                while (reader.Read())
                {
                    maildrops.Add(new MaildropSummary(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2)));
                }

                return maildrops;
            },
            cancellationToken);

    public Task<byte[]?> ReadMessageAsync(string mailbox, long uid, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            _ =>
            {
                // The hot path of POP3 RETR: a cached prepared statement on this thread's read connection.
                var command = database.PreparedRead("""
                    SELECT m.content FROM maildrop d JOIN message m ON m.id = d.message_id
                    WHERE d.mailbox = $mailbox AND d.uid = $uid;
                    """);
                command.Parameters.AddWithValue("$mailbox", mailbox);
                command.Parameters.AddWithValue("$uid", uid);
                return command.ExecuteScalar() as byte[];
            },
            cancellationToken);

    public Task<bool> PingAsync(CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1;";
                return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
            },
            cancellationToken);

    public Task<IReadOnlyList<QueuedRecipient>> ListDueAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return database.ReadAsync<IReadOnlyList<QueuedRecipient>>(
            _ =>
            {
                var command = database.PreparedRead(SelectQueued + """

                    WHERE o.destination = $destination AND o.next_attempt_at <= $now AND o.held = 0
                      AND (o.claim_until IS NULL OR o.claim_until <= $now)
                    ORDER BY o.next_attempt_at, o.id LIMIT $limit;
                    """);
                command.Parameters.AddWithValue("$destination", destination);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$limit", limit);
                return ReadAllQueued(command);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<string>> ListDueDestinationsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return database.ReadAsync<IReadOnlyList<string>>(
            _ =>
            {
                // Most overdue first, so a limit smaller than the backlog never starves a destination.
                var command = database.PreparedRead("""
                    SELECT destination FROM outbound
                    WHERE next_attempt_at <= $now AND held = 0 AND (claim_until IS NULL OR claim_until <= $now)
                    GROUP BY destination ORDER BY min(next_attempt_at), destination LIMIT $limit;
                    """);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$limit", limit);
                using var reader = command.ExecuteReader();
                var destinations = new List<string>();
                while (reader.Read())
                {
                    destinations.Add(reader.GetString(0));
                }

                return destinations;
            },
            cancellationToken);
    }

    public Task<DateTimeOffset?> GetNextAttemptAsync(string destination, CancellationToken cancellationToken = default) =>
        database.ReadAsync<DateTimeOffset?>(
            _ =>
            {
                var command = database.PreparedRead("SELECT min(max(next_attempt_at, coalesce(claim_until, 0))) FROM outbound WHERE destination = $destination AND held = 0;");
                command.Parameters.AddWithValue("$destination", destination);
                return command.ExecuteScalar() is long milliseconds ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) : null;
            },
            cancellationToken);

    public Task<IReadOnlyList<QueuedRecipient>> ListQueueAsync(long afterId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return database.ReadAsync<IReadOnlyList<QueuedRecipient>>(
            _ =>
            {
                var command = database.PreparedRead(SelectQueued + """

                    WHERE o.id > $after ORDER BY o.id LIMIT $limit;
                    """);
                command.Parameters.AddWithValue("$after", afterId);
                command.Parameters.AddWithValue("$limit", limit);
                return ReadAllQueued(command);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<QueuedRecipient>> ListByQueueIdAsync(string queueId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return database.ReadAsync<IReadOnlyList<QueuedRecipient>>(
            _ =>
            {
                var command = database.PreparedRead(SelectQueued + """

                    WHERE m.queue_id = $queue ORDER BY o.id LIMIT $limit;
                    """);
                command.Parameters.AddWithValue("$queue", queueId);
                command.Parameters.AddWithValue("$limit", limit);
                return ReadAllQueued(command);
            },
            cancellationToken);
    }

    public Task<QueuedRecipient?> GetQueuedAsync(long id, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            _ =>
            {
                var command = database.PreparedRead(SelectQueued + """

                    WHERE o.id = $id;
                    """);
                command.Parameters.AddWithValue("$id", id);
                using var reader = command.ExecuteReader();
                return reader.Read() ? ReadQueued(reader) : null;
            },
            cancellationToken);

    public Task<byte[]?> ReadOutboundAsync(long messageId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            _ =>
            {
                // Only content a queue row refers to: a maildrop's message id is not an outbound message.
                var command = database.PreparedRead("""
                    SELECT m.content FROM message m
                    WHERE m.id = $id AND EXISTS (SELECT 1 FROM outbound o WHERE o.message_id = m.id);
                    """);
                command.Parameters.AddWithValue("$id", messageId);
                return command.ExecuteScalar() as byte[];
            },
            cancellationToken);

    public Task<int> CompleteAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        long[] distinct = [.. ids.Distinct()];
        return distinct.Length == 0 ? Task.FromResult(0) : database.WriteAsync(_ => DeleteQueueRows(distinct));
    }

    public Task DeferAsync(
        IReadOnlyCollection<long> ids, DateTimeOffset nextAttemptAt, string error, DateTimeOffset attemptedAt, string? host, CancellationToken cancellationToken = default) =>
        UpdateQueueRowsAsync(
            ids,
            $"""
            UPDATE outbound SET attempts = attempts + 1, last_error = $error, last_error_at = $at, next_attempt_at = $next,
                claim_owner = NULL, claim_until = NULL WHERE id = $id;
            INSERT INTO outbound_attempt (outbound_id, at, host, reply) SELECT $id, $at, $host, $error WHERE changes() = 1;
            DELETE FROM outbound_attempt WHERE outbound_id = $id
              AND id <= (SELECT id FROM outbound_attempt WHERE outbound_id = $id ORDER BY id DESC LIMIT 1 OFFSET {IOutboundQueueStore.MaxAttemptsKept});
            """,
            parameters =>
            {
                parameters.AddWithValue("$error", error);
                parameters.AddWithValue("$at", attemptedAt.ToUnixTimeMilliseconds());
                parameters.AddWithValue("$host", (object?)host ?? DBNull.Value);
                parameters.AddWithValue("$next", nextAttemptAt.ToUnixTimeMilliseconds());
            });

    public Task<int> RescheduleAsync(IReadOnlyCollection<long> ids, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default) =>
        UpdateQueueRowsAsync(
            ids,
            "UPDATE outbound SET next_attempt_at = $next WHERE id = $id;",
            parameters => parameters.AddWithValue("$next", nextAttemptAt.ToUnixTimeMilliseconds()));

    public Task<IReadOnlyList<long>> ClaimAsync(IReadOnlyCollection<long> ids, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        long[] distinct = [.. ids.Distinct()];
        if (distinct.Length == 0)
        {
            return Task.FromResult<IReadOnlyList<long>>([]);
        }

        // The single writer thread runs one write at a time: the check and the claim cannot interleave with another's.
        return database.WriteAsync<IReadOnlyList<long>>(_ =>
        {
            var claim = database.Prepared("""
                UPDATE outbound SET claim_owner = $owner, claim_until = $until
                WHERE id = $id AND (((claim_until IS NULL OR claim_until <= $now) AND held = 0) OR claim_owner = $owner);
                """);
            claim.Parameters.AddWithValue("$owner", owner);
            claim.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
            claim.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            var id = claim.Parameters.Add("$id", SqliteType.Integer);
            var claimed = new List<long>(distinct.Length);
            foreach (var value in distinct)
            {
                id.Value = value;
                if (claim.ExecuteNonQuery() == 1)
                {
                    claimed.Add(value);
                }
            }

            return claimed;
        });
    }

    public Task<int> ReleaseClaimAsync(IReadOnlyCollection<long> ids, string owner, CancellationToken cancellationToken = default) =>
        UpdateQueueRowsAsync(
            ids,
            "UPDATE outbound SET claim_owner = NULL, claim_until = NULL WHERE id = $id AND claim_owner = $owner;",
            parameters => parameters.AddWithValue("$owner", owner));

    public Task MarkDelayWarnedAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default) =>
        UpdateQueueRowsAsync(ids, "UPDATE outbound SET delay_warned = 1 WHERE id = $id;", _ => { });

    /// <summary>Runs a one-row UPDATE for each distinct id in one write; returns how many rows changed.</summary>
    private Task<int> UpdateQueueRowsAsync(IReadOnlyCollection<long> ids, string sql, Action<SqliteParameterCollection> bind)
    {
        long[] distinct = [.. ids.Distinct()];
        if (distinct.Length == 0)
        {
            return Task.FromResult(0);
        }

        return database.WriteAsync(_ =>
        {
            var update = database.Prepared(sql);
            bind(update.Parameters);
            var id = update.Parameters.Add("$id", SqliteType.Integer);
            var changed = 0;
            foreach (var value in distinct)
            {
                id.Value = value;
                changed += update.ExecuteNonQuery();
            }

            return changed;
        });
    }

    /// <summary>Writer thread only. Returns the new message id. <paramref name="traceParent"/>: an outbound copy's (null for the others).</summary>
    private long InsertMessage(StoredMessage message, byte[] content, string? traceParent = null)
    {
        var insert = database.Prepared("""
            INSERT INTO message (queue_id, sender, received_at, size, content, trace_parent)
            VALUES ($queue, $sender, $received, $size, $content, $trace) RETURNING id;
            """);
        insert.Parameters.AddWithValue("$trace", (object?)traceParent ?? DBNull.Value);
        insert.Parameters.AddWithValue("$queue", message.QueueId);
        insert.Parameters.AddWithValue("$sender", message.Sender);
        insert.Parameters.AddWithValue("$received", FormatReceivedAt(message.ReceivedAt));
        insert.Parameters.AddWithValue("$size", content.Length);
        insert.Parameters.Add("$content", SqliteType.Blob).Value = content;
        return (long)insert.ExecuteScalar()!;
    }

    /// <summary>Writer thread only. Returns the uids, in the order of <paramref name="mailboxes"/>.</summary>
    private long[] InsertMaildrops(long messageId, string[] mailboxes, int size, DateTimeOffset receivedAt)
    {
        var insert = database.Prepared("""
            INSERT INTO maildrop (mailbox, message_id, size, received_at)
            VALUES ($mailbox, $message, $size, $received) RETURNING uid;
            """);
        var mailbox = insert.Parameters.Add("$mailbox", SqliteType.Text);
        insert.Parameters.AddWithValue("$message", messageId);
        insert.Parameters.AddWithValue("$size", size);
        insert.Parameters.AddWithValue("$received", FormatReceivedAt(receivedAt));
        var uids = new long[mailboxes.Length];
        for (var i = 0; i < mailboxes.Length; i++)
        {
            mailbox.Value = mailboxes[i];
            uids[i] = (long)insert.ExecuteScalar()!;
        }

        return uids;
    }

    /// <summary>Writer thread only.</summary>
    private void InsertQueueRows(long messageId, OutboundRecipient[] recipients, DateTimeOffset firstAttemptAt)
    {
        var insert = database.Prepared("""
            INSERT INTO outbound (message_id, recipient, destination, attempts, next_attempt_at, delay_warned)
            VALUES ($message, $recipient, $destination, 0, $next, 0);
            """);
        insert.Parameters.AddWithValue("$message", messageId);
        var recipient = insert.Parameters.Add("$recipient", SqliteType.Text);
        var destination = insert.Parameters.Add("$destination", SqliteType.Text);
        insert.Parameters.AddWithValue("$next", firstAttemptAt.ToUnixTimeMilliseconds());
        foreach (var entry in recipients)
        {
            recipient.Value = entry.Recipient;
            destination.Value = entry.Destination;
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Writer thread only. Removes queue rows (unknown ids are ignored), then their content if nothing else refers to it.</summary>
    private int DeleteQueueRows(long[] ids)
    {
        if (ids.Length == 0)
        {
            return 0;
        }

        var delete = database.Prepared("DELETE FROM outbound WHERE id = $id RETURNING message_id;");
        var id = delete.Parameters.Add("$id", SqliteType.Integer);
        var messageIds = new List<long>(ids.Length);
        foreach (var value in ids)
        {
            id.Value = value;
            if (delete.ExecuteScalar() is long messageId)
            {
                messageIds.Add(messageId);
            }
        }

        CollectContent(messageIds);
        return messageIds.Count;
    }

    /// <summary>Writer thread only. Removes those message rows that no maildrop row, queue row or held row refers to any more.</summary>
    private void CollectContent(IEnumerable<long> messageIds)
    {
        var delete = database.Prepared("""
            DELETE FROM message WHERE id = $id
            AND NOT EXISTS (SELECT 1 FROM maildrop WHERE message_id = $id)
            AND NOT EXISTS (SELECT 1 FROM outbound WHERE message_id = $id)
            AND NOT EXISTS (SELECT 1 FROM quarantine WHERE message_id = $id);
            """);
        var id = delete.Parameters.Add("$id", SqliteType.Integer);
        foreach (var value in messageIds.Distinct())
        {
            id.Value = value;
            delete.ExecuteNonQuery();
        }
    }

    private static List<QueuedRecipient> ReadAllQueued(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<QueuedRecipient>();
        while (reader.Read())
        {
            rows.Add(ReadQueued(reader));
        }

        return rows;
    }

    private static QueuedRecipient ReadQueued(SqliteDataReader reader) => new(
        Id: reader.GetInt64(0),
        MessageId: reader.GetInt64(1),
        QueueId: reader.GetString(2),
        Sender: reader.GetString(3),
        Recipient: reader.GetString(4),
        Destination: reader.GetString(5),
        ReceivedAt: ParseReceivedAt(reader.GetString(6)),
        Size: reader.GetInt64(7),
        Attempts: reader.GetInt32(8),
        NextAttemptAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
        LastError: reader.IsDBNull(10) ? null : reader.GetString(10),
        DelayWarned: reader.GetBoolean(11),
        Held: reader.GetBoolean(12),
        LastErrorAt: reader.IsDBNull(13) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(13)),
        ClaimedUntil: reader.IsDBNull(14) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(14)),
        TraceParent: reader.IsDBNull(15) ? null : reader.GetString(15));

    private static string FormatReceivedAt(DateTimeOffset receivedAt) => receivedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseReceivedAt(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>The content as an array: the caller's own array when it is whole, else a copy of the slice.</summary>
    private static byte[] ContentArray(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : content.ToArray();
}
