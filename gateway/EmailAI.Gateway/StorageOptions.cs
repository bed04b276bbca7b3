namespace EmailAI.Gateway;

public sealed class StorageOptions
{
    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSql";

    /// <summary><c>Sqlite</c> (embedded) or <c>PostgreSql</c> (cluster).</summary>
    public string Provider { get; set; } = Sqlite;

    public string? ConnectionString { get; set; }

    /// <summary>
    /// Free space the data directory's file system must keep (embedded store only; default 100 MiB). Under it SMTP
    /// answers MAIL <c>452 4.3.1 Insufficient system storage</c> and <c>/readyz</c> turns not-ready, before SQLite
    /// itself fails. Postfix refuses MAIL when its queue has less than 1.5 × message_size_limit free (15 MB at its
    /// defaults) plus <c>queue_minfree</c>; 100 MiB leaves room for the WAL and checkpoints too. 0 turns the check off.
    /// </summary>
    public long MinimumFreeBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// A cap on the embedded database file's size in bytes (SQLite's <c>max_page_count</c>); 0 (default) for none.
    /// Reaching it is answered as a full disk (452 4.3.1): a way to keep mail from filling a shared disk.
    /// </summary>
    public long MaxDatabaseBytes { get; set; }
}
