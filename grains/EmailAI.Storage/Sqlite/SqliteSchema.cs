using Microsoft.Data.Sqlite;

namespace EmailAI.Storage.Sqlite;

/// <summary>
/// The embedded store's schema, applied at open; every statement is idempotent. AUTOINCREMENT keys mean
/// a message id, maildrop uid or queue row id is never reused, even after the row with the highest one is
/// deleted. A message row is content shared by maildrop rows or by outbound queue rows (one per recipient);
/// it is removed when the last row of either kind referring to it goes.
/// Queue times that are compared or ordered (<c>next_attempt_at</c>, <c>created_at</c>) are INTEGER unix
/// milliseconds, UTC, so comparisons are numeric rather than textual.
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

        -- The admin API's list of maildrops and a recount of one: count and sum(size) from the index alone.
        CREATE INDEX IF NOT EXISTS maildrop_sizes ON maildrop (mailbox, size);

        CREATE TABLE IF NOT EXISTS outbound (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id      INTEGER NOT NULL REFERENCES message(id),
            recipient       TEXT    NOT NULL,
            destination     TEXT    NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error      TEXT,
            delay_warned    INTEGER NOT NULL DEFAULT 0,
            created_at      INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
        );

        CREATE INDEX IF NOT EXISTS outbound_by_destination ON outbound (destination, next_attempt_at);
        CREATE INDEX IF NOT EXISTS outbound_by_message ON outbound (message_id);

        -- The admin API finds queued mail by the queue id the 250 reply shows.
        CREATE INDEX IF NOT EXISTS message_by_queue_id ON message (queue_id);
        """;

    // ---- Quarantine (issue 13) ----------------------------------------------------------------------------------
    /// <summary>
    /// Mail held from unlisted senders: one row per (mailbox, message), referring to shared content as a maildrop row
    /// does (<c>message</c> is kept while one refers to it). <c>held_at</c> is unix milliseconds, UTC, compared by the
    /// expiry sweep; <c>date</c> is the message's own Date field in round-trip text, with its offset. Not counted by
    /// <c>maildrop_usage</c>: held mail is outside the quota until released.
    /// </summary>
    private const string QuarantineSql = """
        CREATE TABLE IF NOT EXISTS quarantine (
            id                     INTEGER PRIMARY KEY AUTOINCREMENT,
            mailbox                TEXT    NOT NULL,
            message_id             INTEGER NOT NULL REFERENCES message(id),
            size                   INTEGER NOT NULL,
            held_at                INTEGER NOT NULL,
            from_text              TEXT,
            from_address           TEXT,
            subject                TEXT,
            date                   TEXT,
            authentication_results TEXT    NOT NULL,
            from_authenticated     INTEGER NOT NULL
        );

        CREATE INDEX IF NOT EXISTS quarantine_by_mailbox ON quarantine (mailbox, id);
        CREATE INDEX IF NOT EXISTS quarantine_by_held_at ON quarantine (held_at);
        CREATE INDEX IF NOT EXISTS quarantine_by_message ON quarantine (message_id);
        """;

    // ---- End of quarantine ---------------------------------------------------------------------------------------
    // ── White list (issue 13) ─────────────────────────────────────────────────────────────────────────────
    /// <summary>
    /// The auto white list, one row per (owner, address) (<see cref="SqliteWhiteListStore"/>), so that an entry added,
    /// deleted or matched writes its own row instead of one document holding the whole list. Times are unix
    /// milliseconds, UTC. The index serves the eviction of the entries matched least recently.
    /// </summary>
    private const string WhiteListSql = """
        CREATE TABLE IF NOT EXISTS whitelist (
            owner           TEXT    NOT NULL,
            address         TEXT    NOT NULL,
            added_at        INTEGER NOT NULL,
            source          TEXT    NOT NULL,
            last_matched_at INTEGER,
            PRIMARY KEY (owner, address)
        ) WITHOUT ROWID;

        CREATE INDEX IF NOT EXISTS whitelist_by_recency ON whitelist (owner, coalesce(last_matched_at, added_at), address);
        """;
    // ── end white list ─────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// Columns added after the first release, added in order when missing (SQLite has no ADD COLUMN IF NOT
    /// EXISTS). <c>claim_owner</c>/<c>claim_until</c> (unix ms): the lease of a row being sent.
    /// </summary>
    private static readonly (string Table, string Column, string Definition)[] AddedColumns =
    [
        ("outbound", "claim_owner", "TEXT"),
        ("outbound", "claim_until", "INTEGER"),
        ("outbound", "held", "INTEGER NOT NULL DEFAULT 0"),
        ("outbound", "last_error_at", "INTEGER"),
        ("message", "trace_parent", "TEXT"),
    ];

    /// <summary>
    /// The failed attempts of each queue row (issue 14's queue tools), newest <see cref="IOutboundQueueStore.MaxAttemptsKept"/>
    /// kept; <c>at</c> is unix milliseconds, UTC. They go with their row (the trigger), in the same transaction.
    /// </summary>
    private const string AttemptsSql = """
        CREATE TABLE IF NOT EXISTS outbound_attempt (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            outbound_id INTEGER NOT NULL,
            at          INTEGER NOT NULL,
            host        TEXT,
            reply       TEXT    NOT NULL
        );

        CREATE INDEX IF NOT EXISTS outbound_attempt_by_row ON outbound_attempt (outbound_id, id);

        CREATE TRIGGER IF NOT EXISTS outbound_attempts_removed AFTER DELETE ON outbound BEGIN
            DELETE FROM outbound_attempt WHERE outbound_id = OLD.id;
        END;
        """;

    /// <summary>
    /// Quota usage: (count, octets) per maildrop in one row, kept by triggers on <c>maildrop</c> in the same
    /// transaction as every row that comes or goes, so a quota check at RCPT and at ingest reads one row however
    /// many messages the maildrop holds. A maildrop's row goes with its last message. Created with its triggers
    /// and filled from the maildrop rows in one transaction when missing (a database from before quotas), so it
    /// never disagrees with them.
    /// </summary>
    private const string UsageSql = """
        BEGIN IMMEDIATE;
        CREATE TABLE maildrop_usage (
            mailbox TEXT    NOT NULL PRIMARY KEY,
            count   INTEGER NOT NULL,
            bytes   INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TRIGGER maildrop_usage_added AFTER INSERT ON maildrop BEGIN
            INSERT INTO maildrop_usage (mailbox, count, bytes) VALUES (NEW.mailbox, 1, NEW.size)
            ON CONFLICT (mailbox) DO UPDATE SET count = count + 1, bytes = bytes + excluded.bytes;
        END;
        CREATE TRIGGER maildrop_usage_removed AFTER DELETE ON maildrop BEGIN
            UPDATE maildrop_usage SET count = count - 1, bytes = bytes - OLD.size WHERE mailbox = OLD.mailbox;
            DELETE FROM maildrop_usage WHERE mailbox = OLD.mailbox AND count <= 0;
        END;
        INSERT INTO maildrop_usage (mailbox, count, bytes) SELECT mailbox, count(*), sum(size) FROM maildrop GROUP BY mailbox;
        COMMIT;
        """;

    /// <summary>
    /// Creates or upgrades the schema, then ends every queue claim: the embedded store belongs to one process,
    /// so a claim found at open was held by a process that is gone (killed), and its rows are due again at once.
    /// </summary>
    public static void Apply(SqliteConnection connection)
    {
        Execute(connection, Sql);
        Execute(connection, QuarantineSql);
        Execute(connection, WhiteListSql); // white list (issue 13)
        Execute(connection, AttemptsSql);
        foreach (var (table, column, definition) in AddedColumns)
        {
            using var probe = connection.CreateCommand();
            probe.CommandText = "SELECT count(*) FROM pragma_table_info($table) WHERE name = $column;";
            probe.Parameters.AddWithValue("$table", table);
            probe.Parameters.AddWithValue("$column", column);
            if (Convert.ToInt64(probe.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {definition};");
            }
        }

        using (var usage = connection.CreateCommand())
        {
            usage.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'maildrop_usage';";
            if (Convert.ToInt64(usage.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                Execute(connection, UsageSql);
            }
        }

        Execute(connection, "UPDATE outbound SET claim_owner = NULL, claim_until = NULL WHERE claim_owner IS NOT NULL;");
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
