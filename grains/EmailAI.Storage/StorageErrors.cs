using EmailAI.Contracts;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EmailAI.Storage;

/// <summary>Recognises a store's "no space left" among the errors its providers throw.</summary>
public static class StorageErrors
{
    private const int SqliteFull = 13;          // SQLITE_FULL: disk full, or PRAGMA max_page_count reached
    private const string PostgresDiskFull = "53100";
    private const int Enospc = 28;
    private const int Edquot = 122;

    /// <summary>
    /// True when <paramref name="exception"/>, or one it wraps, says the store has no space: SQLite's SQLITE_FULL,
    /// PostgreSQL's disk_full (SQLSTATE 53100), or an I/O error ENOSPC / EDQUOT.
    /// </summary>
    public static bool IsOutOfSpace(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case InsufficientStorageException:
                case SqliteException { SqliteErrorCode: SqliteFull }:
                case PostgresException { SqlState: PostgresDiskFull }:
                case IOException io when (io.HResult & 0xFFFF) is Enospc or Edquot:
                    return true;
            }
        }

        return false;
    }

    /// <summary>The exception a caller sees: <see cref="InsufficientStorageException"/> for a full store, else the original.</summary>
    public static Exception Translate(Exception exception) =>
        exception is not InsufficientStorageException && IsOutOfSpace(exception)
            ? new InsufficientStorageException("The message store is out of space: " + exception.Message)
            : exception;
}
