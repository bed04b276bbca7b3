using EmailAI.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmailAI.Tests.Storage;

/// <summary>A SQLite database file in a fresh temporary directory, deleted on dispose.</summary>
public sealed class TempDatabase : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "emailai-db-" + Guid.NewGuid().ToString("N")[..12]);

    public TempDatabase()
    {
        Path = System.IO.Path.Combine(_directory, "test.db");
        Database = Open();
    }

    public string Path { get; }

    public SqliteDatabase Database { get; private set; }

    public SqliteDatabase Open() => new(Path, NullLogger<SqliteDatabase>.Instance);

    /// <summary>Closes and reopens the file, as a restart would.</summary>
    public SqliteDatabase Reopen()
    {
        Database.Dispose();
        Database = Open();
        return Database;
    }

    public void Dispose()
    {
        Database.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
