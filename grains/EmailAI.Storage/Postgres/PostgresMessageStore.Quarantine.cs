using EmailAI.Contracts;
using Npgsql;

namespace EmailAI.Storage.Postgres;

/// <summary>
/// The quarantine (<see cref="IQuarantineStore"/>) on PostgreSQL. A release is one statement in one transaction: the
/// held row is deleted and the maildrop row inserted from it, so both happen or neither. Two releases of one id
/// race on the held row's lock; the second, once the first commits, re-reads it (READ COMMITTED), finds it gone and
/// inserts nothing. The maildrop insert takes a key-share lock on the content row, which the content collection of a
/// concurrent deletion locks FOR UPDATE first (<see cref="CollectContentAsync"/>), so shared content never goes while a
/// release still needs it.
/// </summary>
public sealed partial class PostgresMessageStore
{
    /// <summary>A held row joined with its message row, in the column order <see cref="ReadHeld"/> expects.</summary>
    private const string SelectHeld = """
        SELECT q.id, m.sender, q.from_text, q.from_address, q.subject, q.date, q.date_offset_minutes, q.size, q.held_at,
               q.authentication_results, q.from_authenticated
        FROM emailai_quarantine q JOIN emailai_message m ON m.id = q.message_id
        """;

    public async Task<IReadOnlyList<QuarantinedMessage>> ListQuarantineAsync(string mailbox, long afterId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await using var command = dataSource.CreateCommand(SelectHeld + """

            WHERE q.mailbox = @mailbox AND q.id > @after ORDER BY q.id LIMIT @limit
            """);
        command.Parameters.AddWithValue("mailbox", mailbox);
        command.Parameters.AddWithValue("after", afterId);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<QuarantinedMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadHeld(reader));
        }

        return rows;
    }

    public async Task<QuarantinedMessage?> GetQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(SelectHeld + """

            WHERE q.mailbox = @mailbox AND q.id = @id
            """);
        command.Parameters.AddWithValue("mailbox", mailbox);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadHeld(reader) : null;
    }

    public async Task<byte[]?> ReadQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT m.content FROM emailai_quarantine q JOIN emailai_message m ON m.id = q.message_id
            WHERE q.mailbox = @mailbox AND q.id = @id
            """);
        command.Parameters.AddWithValue("mailbox", mailbox);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public async Task<long?> ReleaseQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH held AS (DELETE FROM emailai_quarantine WHERE mailbox = @mailbox AND id = @id RETURNING mailbox, message_id, size)
            INSERT INTO emailai_maildrop (mailbox, message_id, size, received_at)
            SELECT held.mailbox, held.message_id, held.size, m.received_at FROM held JOIN emailai_message m ON m.id = held.message_id
            RETURNING uid
            """);
        command.Parameters.AddWithValue("mailbox", mailbox);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(cancellationToken) is long uid ? uid : null;
    }

    public async Task<bool> DeleteQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default) =>
        await DeleteHeldAsync(
            "DELETE FROM emailai_quarantine WHERE mailbox = @mailbox AND id = @id RETURNING message_id",
            p =>
            {
                p.AddWithValue("mailbox", mailbox);
                p.AddWithValue("id", id);
            },
            cancellationToken) == 1;

    public Task<int> ClearQuarantineAsync(string mailbox, CancellationToken cancellationToken = default) =>
        DeleteHeldAsync("DELETE FROM emailai_quarantine WHERE mailbox = @mailbox RETURNING message_id", p => p.AddWithValue("mailbox", mailbox), cancellationToken);

    public async Task<(long Messages, long Bytes)> QuarantineTotalsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*), coalesce(sum(size), 0)::bigint FROM emailai_quarantine");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public Task<int> ExpireQuarantineAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);

        // SKIP LOCKED: silos sweeping at the same time take different rows instead of waiting for each other.
        return DeleteHeldAsync(
            """
            DELETE FROM emailai_quarantine WHERE id IN (
                SELECT id FROM emailai_quarantine WHERE held_at < @cutoff ORDER BY held_at, id LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING message_id
            """,
            p =>
            {
                p.AddWithValue("cutoff", cutoff.ToUniversalTime());
                p.AddWithValue("limit", limit);
            },
            cancellationToken);
    }

    /// <summary>Runs a DELETE … RETURNING message_id of held rows and collects their content, in one transaction; returns how many went.</summary>
    private async Task<int> DeleteHeldAsync(string sql, Action<NpgsqlParameterCollection> bind, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var messageIds = new List<long>();
        await using (var delete = new NpgsqlCommand(sql, connection, transaction))
        {
            bind(delete.Parameters);
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

    /// <summary>Stores the held copy's content once and one held row per mailbox, in the delivery's transaction.</summary>
    private static async Task InsertQuarantineAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, QuarantineCopy copy, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            """
            WITH m AS (
                INSERT INTO emailai_message (queue_id, sender, received_at, size, content)
                VALUES (@queue, @sender, @received, @size, @content) RETURNING id)
            INSERT INTO emailai_quarantine (mailbox, message_id, size, held_at, from_text, from_address, subject, date,
                                            date_offset_minutes, authentication_results, from_authenticated)
            SELECT mailbox, m.id, @size, @received, @from, @address, @subject, @date, @offset, @results, @authenticated
            FROM m, unnest(@mailboxes::text[]) AS mailbox
            """,
            connection,
            transaction);
        var metadata = copy.Metadata;
        AddMessageParameters(insert.Parameters, copy.Message);
        insert.Parameters.AddWithValue("mailboxes", copy.Mailboxes.ToArray());
        insert.Parameters.Add(new NpgsqlParameter<string?>("from", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = metadata.From });
        insert.Parameters.Add(new NpgsqlParameter<string?>("address", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = metadata.FromAddress });
        insert.Parameters.Add(new NpgsqlParameter<string?>("subject", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = metadata.Subject });
        insert.Parameters.Add(new NpgsqlParameter("date", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)metadata.Date?.ToUniversalTime() ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter("offset", NpgsqlTypes.NpgsqlDbType.Integer) { Value = (object?)(int?)metadata.Date?.Offset.TotalMinutes ?? DBNull.Value });
        insert.Parameters.AddWithValue("results", metadata.AuthenticationResults);
        insert.Parameters.AddWithValue("authenticated", metadata.FromAuthenticated);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static QuarantinedMessage ReadHeld(NpgsqlDataReader reader) => new(
        Id: reader.GetInt64(0),
        Sender: reader.GetString(1),
        From: reader.IsDBNull(2) ? null : reader.GetString(2),
        FromAddress: reader.IsDBNull(3) ? null : reader.GetString(3),
        Subject: reader.IsDBNull(4) ? null : reader.GetString(4),
        Date: reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5).ToOffset(TimeSpan.FromMinutes(reader.IsDBNull(6) ? 0 : reader.GetInt32(6))),
        Size: reader.GetInt32(7),
        HeldAt: reader.GetFieldValue<DateTimeOffset>(8),
        AuthenticationResults: reader.GetString(9),
        FromAuthenticated: reader.GetBoolean(10));
}
