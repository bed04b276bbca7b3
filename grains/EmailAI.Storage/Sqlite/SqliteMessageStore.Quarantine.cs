using System.Globalization;
using EmailAI.Contracts;
using Microsoft.Data.Sqlite;

namespace EmailAI.Storage.Sqlite;

/// <summary>
/// The quarantine (<see cref="IQuarantineStore"/>) on the embedded database: each write is one item of the writer's
/// group commit, so a release's maildrop row and the removal of its held row commit together or not at all, and two
/// releases of one id run one after the other (the second finds no row).
/// </summary>
public sealed partial class SqliteMessageStore
{
    /// <summary>A held row joined with its message row, in the column order <see cref="ReadHeld"/> expects.</summary>
    private const string SelectHeld = """
        SELECT q.id, m.sender, q.from_text, q.from_address, q.subject, q.date, q.size, q.held_at,
               q.authentication_results, q.from_authenticated
        FROM quarantine q JOIN message m ON m.id = q.message_id
        """;

    public Task<IReadOnlyList<QuarantinedMessage>> ListQuarantineAsync(string mailbox, long afterId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return database.ReadAsync<IReadOnlyList<QuarantinedMessage>>(
            _ =>
            {
                var command = database.PreparedRead(SelectHeld + """

                    WHERE q.mailbox = $mailbox AND q.id > $after ORDER BY q.id LIMIT $limit;
                    """);
                command.Parameters.AddWithValue("$mailbox", mailbox);
                command.Parameters.AddWithValue("$after", afterId);
                command.Parameters.AddWithValue("$limit", limit);
                using var reader = command.ExecuteReader();
                var rows = new List<QuarantinedMessage>();
                while (reader.Read())
                {
                    rows.Add(ReadHeld(reader));
                }

                return rows;
            },
            cancellationToken);
    }

    public Task<QuarantinedMessage?> GetQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            _ =>
            {
                var command = database.PreparedRead(SelectHeld + """

                    WHERE q.mailbox = $mailbox AND q.id = $id;
                    """);
                command.Parameters.AddWithValue("$mailbox", mailbox);
                command.Parameters.AddWithValue("$id", id);
                using var reader = command.ExecuteReader();
                return reader.Read() ? ReadHeld(reader) : null;
            },
            cancellationToken);

    public Task<byte[]?> ReadQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            _ =>
            {
                var command = database.PreparedRead("""
                    SELECT m.content FROM quarantine q JOIN message m ON m.id = q.message_id
                    WHERE q.mailbox = $mailbox AND q.id = $id;
                    """);
                command.Parameters.AddWithValue("$mailbox", mailbox);
                command.Parameters.AddWithValue("$id", id);
                return command.ExecuteScalar() as byte[];
            },
            cancellationToken);

    public Task<long?> ReleaseQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default) =>
        database.WriteAsync<long?>(_ =>
        {
            // One savepoint: the maildrop row (which the usage trigger counts) and the removal of the held row.
            var take = database.Prepared("DELETE FROM quarantine WHERE mailbox = $mailbox AND id = $id RETURNING message_id, size;");
            take.Parameters.AddWithValue("$mailbox", mailbox);
            take.Parameters.AddWithValue("$id", id);
            long messageId;
            int size;
            using (var reader = take.ExecuteReader())
            {
                if (!reader.Read())
                {
                    return null;
                }

                messageId = reader.GetInt64(0);
                size = reader.GetInt32(1);
            }

            var insert = database.Prepared("""
                INSERT INTO maildrop (mailbox, message_id, size, received_at)
                SELECT $mailbox, id, $size, received_at FROM message WHERE id = $message RETURNING uid;
                """);
            insert.Parameters.AddWithValue("$mailbox", mailbox);
            insert.Parameters.AddWithValue("$size", size);
            insert.Parameters.AddWithValue("$message", messageId);
            return (long)insert.ExecuteScalar()!;
        });

    public Task<bool> DeleteQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default) =>
        database.WriteAsync(_ =>
        {
            var delete = database.Prepared("DELETE FROM quarantine WHERE mailbox = $mailbox AND id = $id RETURNING message_id;");
            delete.Parameters.AddWithValue("$mailbox", mailbox);
            delete.Parameters.AddWithValue("$id", id);
            return DeleteHeld(delete) == 1;
        });

    public Task<int> ClearQuarantineAsync(string mailbox, CancellationToken cancellationToken = default) =>
        database.WriteAsync(_ =>
        {
            var delete = database.Prepared("DELETE FROM quarantine WHERE mailbox = $mailbox RETURNING message_id;");
            delete.Parameters.AddWithValue("$mailbox", mailbox);
            return DeleteHeld(delete);
        });

    public Task<(long Messages, long Bytes)> QuarantineTotalsAsync(CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            _ =>
            {
                var command = database.PreparedRead("SELECT count(*), coalesce(sum(size), 0) FROM quarantine;");
                using var reader = command.ExecuteReader();
                reader.Read();
                return (reader.GetInt64(0), reader.GetInt64(1));
            },
            cancellationToken);

    public Task<int> ExpireQuarantineAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return database.WriteAsync(_ =>
        {
            var delete = database.Prepared("""
                DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE held_at < $cutoff ORDER BY held_at, id LIMIT $limit)
                RETURNING message_id;
                """);
            delete.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            delete.Parameters.AddWithValue("$limit", limit);
            return DeleteHeld(delete);
        });
    }

    /// <summary>Writer thread only. Runs a DELETE … RETURNING message_id of held rows, then collects their content; returns how many went.</summary>
    private int DeleteHeld(SqliteCommand delete)
    {
        var messageIds = new List<long>();
        using (var reader = delete.ExecuteReader())
        {
            while (reader.Read())
            {
                messageIds.Add(reader.GetInt64(0));
            }
        }

        CollectContent(messageIds);
        return messageIds.Count;
    }

    /// <summary>Writer thread only. One held row per mailbox of <paramref name="copy"/>, referring to the content row <paramref name="messageId"/>.</summary>
    private void InsertQuarantine(QuarantineCopy copy, long messageId, int size)
    {
        var insert = database.Prepared("""
            INSERT INTO quarantine (mailbox, message_id, size, held_at, from_text, from_address, subject, date, authentication_results, from_authenticated)
            VALUES ($mailbox, $message, $size, $held, $from, $address, $subject, $date, $results, $authenticated);
            """);
        var mailbox = insert.Parameters.Add("$mailbox", SqliteType.Text);
        var metadata = copy.Metadata;
        insert.Parameters.AddWithValue("$message", messageId);
        insert.Parameters.AddWithValue("$size", size);
        insert.Parameters.AddWithValue("$held", copy.Message.ReceivedAt.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$from", (object?)metadata.From ?? DBNull.Value);
        insert.Parameters.AddWithValue("$address", (object?)metadata.FromAddress ?? DBNull.Value);
        insert.Parameters.AddWithValue("$subject", (object?)metadata.Subject ?? DBNull.Value);
        insert.Parameters.AddWithValue("$date", (object?)metadata.Date?.ToString("O", CultureInfo.InvariantCulture) ?? DBNull.Value);
        insert.Parameters.AddWithValue("$results", metadata.AuthenticationResults);
        insert.Parameters.AddWithValue("$authenticated", metadata.FromAuthenticated ? 1 : 0);
        foreach (var name in copy.Mailboxes)
        {
            mailbox.Value = name;
            insert.ExecuteNonQuery();
        }
    }

    private static QuarantinedMessage ReadHeld(SqliteDataReader reader) => new(
        Id: reader.GetInt64(0),
        Sender: reader.GetString(1),
        From: reader.IsDBNull(2) ? null : reader.GetString(2),
        FromAddress: reader.IsDBNull(3) ? null : reader.GetString(3),
        Subject: reader.IsDBNull(4) ? null : reader.GetString(4),
        Date: reader.IsDBNull(5) ? null : DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        Size: reader.GetInt64(6),
        HeldAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
        AuthenticationResults: reader.GetString(8),
        FromAuthenticated: reader.GetBoolean(9));
}
