using Microsoft.Data.Sqlite;

namespace EmailAI.Storage.Sqlite;

/// <summary>
/// The embedded store's schema, applied at open; every statement is idempotent. AUTOINCREMENT keys mean
/// a message id or maildrop uid is never reused, even after the row with the highest one is deleted.
/// </summary>
internal static class SqliteSchema
{
    private const string Sql = """
        CREATE TABLE IF NOT EXISTS grain_state (
            state_name  TEXT    NOT NULL,
            grain_id    TEXT    NOT NULL,
            version     INTEGER NOT NULL,
            payload     BLOB    NOT NULL,
            modified_at TEXT    NOT NULL,
            PRIMARY KEY (state_name, grain_id)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS message (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            queue_id    TEXT    NOT NULL,
            sender      TEXT    NOT NULL,
            received_at TEXT    NOT NULL,
            size        INTEGER NOT NULL,
            content     BLOB    NOT NULL
        );

        CREATE TABLE IF NOT EXISTS maildrop (
            uid         INTEGER PRIMARY KEY AUTOINCREMENT,
            mailbox     TEXT    NOT NULL,
            message_id  INTEGER NOT NULL REFERENCES message(id),
            size        INTEGER NOT NULL,
            received_at TEXT    NOT NULL
        );

        CREATE INDEX IF NOT EXISTS maildrop_by_mailbox ON maildrop (mailbox, uid);
        CREATE INDEX IF NOT EXISTS maildrop_by_message ON maildrop (message_id);
        """;

    public static void Apply(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }
}
