using System.Globalization;
using System.Runtime.InteropServices;
using EmailAI.Contracts;
using Microsoft.Data.Sqlite;

namespace EmailAI.Storage.Sqlite;

/// <summary><see cref="IMessageStore"/> on the embedded database; each delivery is one group-committed write.</summary>
public sealed class SqliteMessageStore(SqliteDatabase database) : IMessageStore
{
    public Task<IReadOnlyList<long>> DeliverAsync(StoredMessage message, IReadOnlyList<string> mailboxes, CancellationToken cancellationToken = default)
    {
        if (mailboxes.Count == 0)
        {
            throw new ArgumentException("A message needs at least one maildrop.", nameof(mailboxes));
        }

        // The write runs later on the writer thread; the caller keeps the buffer unchanged until the task
        // completes (it awaits it), so a whole array is used as it is and only a slice is copied.
        var content = MemoryMarshal.TryGetArray(message.Content, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : message.Content.ToArray();
        var receivedAt = message.ReceivedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        return database.WriteAsync<IReadOnlyList<long>>(_ =>
        {
            var insertMessage = database.Prepared("""
                INSERT INTO message (queue_id, sender, received_at, size, content)
                VALUES ($queue, $sender, $received, $size, $content) RETURNING id;
                """);
            insertMessage.Parameters.AddWithValue("$queue", message.QueueId);
            insertMessage.Parameters.AddWithValue("$sender", message.Sender);
            insertMessage.Parameters.AddWithValue("$received", receivedAt);
            insertMessage.Parameters.AddWithValue("$size", content.Length);
            insertMessage.Parameters.Add("$content", SqliteType.Blob).Value = content;
            var messageId = (long)insertMessage.ExecuteScalar()!;

            var insertDrop = database.Prepared("""
                INSERT INTO maildrop (mailbox, message_id, size, received_at)
                VALUES ($mailbox, $message, $size, $received) RETURNING uid;
                """);
            var mailbox = insertDrop.Parameters.Add("$mailbox", SqliteType.Text);
            insertDrop.Parameters.AddWithValue("$message", messageId);
            insertDrop.Parameters.AddWithValue("$size", content.Length);
            insertDrop.Parameters.AddWithValue("$received", receivedAt);
            var uids = new long[mailboxes.Count];
            for (var i = 0; i < mailboxes.Count; i++)
            {
                mailbox.Value = mailboxes[i];
                uids[i] = (long)insertDrop.ExecuteScalar()!;
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

            var deleteContent = database.Prepared(
                "DELETE FROM message WHERE id = $id AND NOT EXISTS (SELECT 1 FROM maildrop WHERE message_id = $id);");
            var idParameter = deleteContent.Parameters.Add("$id", SqliteType.Integer);
            foreach (var id in messageIds.Distinct())
            {
                idParameter.Value = id;
                deleteContent.ExecuteNonQuery();
            }

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
                    entries.Add(new MaildropEntry(
                        reader.GetInt64(0),
                        reader.GetInt64(1),
                        DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
                }

                return entries;
            },
            cancellationToken);

    public Task<(int Count, long Bytes)> GetMaildropSummaryAsync(string mailbox, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT count(*), coalesce(sum(size), 0) FROM maildrop WHERE mailbox = $mailbox;";
                command.Parameters.AddWithValue("$mailbox", mailbox);
                using var reader = command.ExecuteReader();
                reader.Read();
                return (reader.GetInt32(0), reader.GetInt64(1));
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
}
