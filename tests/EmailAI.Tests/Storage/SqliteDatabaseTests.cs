using Microsoft.Data.Sqlite;

namespace EmailAI.Tests.Storage;

public sealed class SqliteDatabaseTests
{
    [Fact]
    public async Task WriteAsync_FailingWriteInABatch_RolledBackAloneOthersCommit()
    {
        using var temp = new TempDatabase();
        var db = temp.Database;
        await db.WriteAsync(c => Exec(c, "CREATE TABLE t (v TEXT)"));

        // Hold the writer so the next writes queue up and commit as one batch.
        using var gate = new ManualResetEventSlim();
        var blocker = db.WriteAsync(_ => gate.Wait(TimeSpan.FromSeconds(10)));
        var good1 = db.WriteAsync(c => Exec(c, "INSERT INTO t VALUES ('one')"));
        var bad = db.WriteAsync<int>(c =>
        {
            Exec(c, "INSERT INTO t VALUES ('half')");
            throw new InvalidOperationException("boom");
        });
        var good2 = db.WriteAsync(c => Exec(c, "INSERT INTO t VALUES ('two')"));
        gate.Set();

        await blocker;
        await good1;
        await good2;
        await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        var values = await db.ReadAsync(c => Query(c, "SELECT v FROM t ORDER BY rowid"));
        Assert.Equal(["one", "two"], values);
    }

    [Fact]
    public async Task ReadAsync_FromManyShortLivedThreads_OpenConnectionsStayBounded()
    {
        using var temp = new TempDatabase();
        await temp.Database.WriteAsync(c => Exec(c, "CREATE TABLE t (v TEXT)"));

        // Each read on its own thread, which then exits, as thread-pool threads come and go under load.
        for (var i = 0; i < 200; i++)
        {
            var thread = new Thread(() => Assert.Empty(temp.Database.ReadAsync(c => Query(c, "SELECT v FROM t")).Result));
            thread.Start();
            thread.Join();
        }

        // The database file is held open by the writer and by the idle readers only, never by 200 dead threads.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var open = Directory.GetFiles("/proc/self/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Count(target => target == temp.Path);
        Assert.InRange(open, 1, EmailAI.Storage.Sqlite.SqliteDatabase.MaxIdleReaders + 3);
    }

    [Fact]
    public async Task WriteAsync_Committed_SurvivesReopen()
    {
        using var temp = new TempDatabase();
        await temp.Database.WriteAsync(c => Exec(c, "CREATE TABLE t (v TEXT)"));
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => temp.Database.WriteAsync(c => Exec(c, $"INSERT INTO t VALUES ('{i}')"))));

        var reopened = temp.Reopen();
        var count = await reopened.ReadAsync(c => Query(c, "SELECT count(*) FROM t"));
        Assert.Equal(["200"], count);
    }

    [Fact]
    public async Task Open_Pragmas_WalAndFullSync()
    {
        using var temp = new TempDatabase();
        // journal_mode is a property of the file; synchronous of the writer's connection, checked through it.
        Assert.Equal(["wal"], await temp.Database.ReadAsync(c => Query(c, "PRAGMA journal_mode")));
        Assert.Equal(["2"], await temp.Database.WriteAsync(c => Query(c, "PRAGMA synchronous")));
    }

    private static int Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    private static List<string> Query(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return values;
    }
}
