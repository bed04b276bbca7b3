using EmailAI.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace EmailAI.Storage.Postgres;

/// <summary>
/// <see cref="IMessageStore"/> on PostgreSQL, for the cluster. Each delivery is one transaction (content once,
/// one maildrop row per mailbox) that returns only after COMMIT, with synchronous_commit on, so the WAL is
/// flushed before the caller may answer 250. PostgreSQL batches concurrent commits itself.
/// </summary>
public sealed class PostgresMessageStore(NpgsqlDataSource dataSource) : IMessageStore
{
    public async Task<IReadOnlyList<long>> DeliverAsync(StoredMessage message, IReadOnlyList<string> mailboxes, CancellationToken cancellationToken = default)
    {
        if (mailboxes.Count == 0)
        {
            throw new ArgumentException("A message needs at least one maildrop.", nameof(mailboxes));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long messageId;
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO emailai_message (queue_id, sender, received_at, size, content)
            VALUES (@queue, @sender, @received, @size, @content) RETURNING id
            """,
            connection,
            transaction))
        {
            insert.Parameters.AddWithValue("queue", message.QueueId);
            insert.Parameters.AddWithValue("sender", message.Sender);
            insert.Parameters.AddWithValue("received", message.ReceivedAt.ToUniversalTime());
            insert.Parameters.AddWithValue("size", message.Content.Length);
            insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("content", NpgsqlDbType.Bytea) { TypedValue = message.Content });
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

        var uids = new List<long>(mailboxes.Count);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    uids.Add(reader.GetInt64(0));
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return uids;
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

        // Content no maildrop refers to any more goes in the same transaction. The content rows are locked
        // first: two sessions removing the last two references at once then take turns, and the second
        // sees the first's deletion, so shared content is never left behind.
        var ids = messageIds.Distinct().Order().ToArray();
        await using (var lockRows = new NpgsqlCommand("SELECT id FROM emailai_message WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", connection, transaction))
        {
            lockRows.Parameters.AddWithValue("ids", ids);
            await lockRows.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var orphans = new NpgsqlCommand(
            """
            DELETE FROM emailai_message m WHERE m.id = ANY(@ids)
            AND NOT EXISTS (SELECT 1 FROM emailai_maildrop d WHERE d.message_id = m.id)
            """,
            connection,
            transaction))
        {
            orphans.Parameters.AddWithValue("ids", ids);
            await orphans.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return messageIds.Count;
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT 1");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }
}
