using System.Text;
using EmailAI.Contracts;
using EmailAI.Storage;
using EmailAI.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmailAI.Tests.Storage;

/// <summary>
/// Issue 12: a full store answers as a full store (InsufficientStorageException, then 452 4.3.1), never as an
/// undefined failure, and nothing of the failed write is kept; the data directory and the database files are
/// owner-only, including files an older version left readable by others.
/// </summary>
public sealed class StorageSpaceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "emailai-space-" + Guid.NewGuid().ToString("N")[..12]);

    private string DatabasePath => Path.Combine(_directory, "data", "emailai.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task CommitAsync_DatabaseAtItsSizeCap_InsufficientStorageAndNothingStored()
    {
        using (var db = new SqliteDatabase(DatabasePath, NullLogger<SqliteDatabase>.Instance, maxDatabaseBytes: 512 * 1024))
        {
            var store = new SqliteMessageStore(db);
            var small = new StoredMessage("Q1", "bob@remote.test", DateTimeOffset.UtcNow, Encoding.ASCII.GetBytes("Subject: x\r\n\r\nsmall\r\n"));
            await store.DeliverAsync(small, ["a@x.test"]);

            var big = new StoredMessage("Q2", "bob@remote.test", DateTimeOffset.UtcNow, new byte[1024 * 1024]);
            await Assert.ThrowsAsync<InsufficientStorageException>(() => store.DeliverAsync(big, ["a@x.test", "b@x.test"]));

            // The full write left nothing behind, and the store still works for what fits.
            Assert.Single(await store.ListMaildropAsync("a@x.test"));
            Assert.Empty(await store.ListMaildropAsync("b@x.test"));
            await store.DeliverAsync(small with { QueueId = "Q3" }, ["b@x.test"]);
            Assert.Single(await store.ListMaildropAsync("b@x.test"));
        }
    }

    [Fact]
    public void IsOutOfSpace_ProviderErrors_RecognisedAndOthersNot()
    {
        Assert.True(StorageErrors.IsOutOfSpace(new SqliteException("database or disk is full", 13)));
        Assert.True(StorageErrors.IsOutOfSpace(new InvalidOperationException("wrapped", new IOException("No space left on device", 28))));
        Assert.False(StorageErrors.IsOutOfSpace(new SqliteException("database is locked", 5)));
        Assert.False(StorageErrors.IsOutOfSpace(new IOException("I/O error", 5)));
        Assert.IsType<InsufficientStorageException>(StorageErrors.Translate(new SqliteException("full", 13)));
    }

    [Fact]
    public async Task Open_NewDataDirectory_DirectoryOwnerOnlyAndDatabaseFilesPrivate()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using (var db = new SqliteDatabase(DatabasePath, NullLogger<SqliteDatabase>.Instance))
        {
            await db.WriteAsync(c => Exec(c, "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x');"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(DatabasePath)!));
            foreach (var file in new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm" })
            {
                Assert.True(File.Exists(file), file);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file) & ~UnixFileMode.None);
            }
        }
    }

    [Fact]
    public void Open_FilesLeftWorldReadable_NarrowedAtStart()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var directory = Path.GetDirectoryName(DatabasePath)!;
        Directory.CreateDirectory(directory);
        using (new SqliteDatabase(DatabasePath, NullLogger<SqliteDatabase>.Instance))
        {
        }

        SqliteConnection.ClearAllPools();
        var wide = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(DatabasePath, wide);
        File.SetUnixFileMode(directory, wide | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);

        using (new SqliteDatabase(DatabasePath, NullLogger<SqliteDatabase>.Instance))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        }
    }

    private static int Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }
}
