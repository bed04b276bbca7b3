using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EmailAI.Storage.Sqlite;

/// <summary>
/// The embedded database file. Writes go through one dedicated writer thread that batches whatever is
/// waiting into one transaction (group commit): WAL journal with <c>synchronous=FULL</c>, so each commit
/// is fsync'd before any caller in the batch is released. Each write runs inside its own SAVEPOINT, so a
/// failing write is rolled back alone and the rest of its batch still commits. Callers never block a
/// thread of theirs: completions run asynchronously, off the writer thread.
/// Reads use pooled connections of their own; WAL lets them run beside the writer.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    /// <summary>Most writes committed together; bounds the latency one batch adds to its last member.</summary>
    public const int MaxBatch = 512;

    private readonly string _connectionString;
    private readonly BlockingCollection<IWriteItem> _queue = new();
    private readonly Thread _writer;
    private readonly ILogger _logger;
    private readonly SqliteConnection _writeConnection;

    public SqliteDatabase(string path, ILogger<SqliteDatabase> logger)
    {
        _logger = logger;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        _writeConnection = new SqliteConnection(_connectionString);
        _writeConnection.Open();
        Execute(_writeConnection, "PRAGMA journal_mode=WAL;");
        Execute(_writeConnection, "PRAGMA synchronous=FULL;");
        Execute(_writeConnection, "PRAGMA busy_timeout=30000;");
        SqliteSchema.Apply(_writeConnection);

        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "emailai-sqlite-writer" };
        _writer.Start();
    }

    public string DataSource => _writeConnection.DataSource;

    /// <summary>
    /// Runs <paramref name="work"/> in the next group commit. The returned task completes after the
    /// commit is durable, or faults (with nothing of this work committed).
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, T> work)
    {
        var item = new WriteItem<T>(work);
        try
        {
            _queue.Add(item);
        }
        catch (InvalidOperationException)
        {
            return Task.FromException<T>(new ObjectDisposedException(nameof(SqliteDatabase)));
        }

        return item.Completion.Task;
    }

    /// <summary>Runs a read on a pooled connection on the thread pool (Microsoft.Data.Sqlite blocks).</summary>
    public Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default) =>
        Task.Run(
            () =>
            {
                using var connection = new SqliteConnection(_connectionString);
                connection.Open();
                return work(connection);
            },
            cancellationToken);

    private void WriterLoop()
    {
        var batch = new List<IWriteItem>(MaxBatch);
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Add(first);
            while (batch.Count < MaxBatch && _queue.TryTake(out var next))
            {
                batch.Add(next);
            }

            CommitBatch(batch);
            batch.Clear();
        }
    }

    private void CommitBatch(List<IWriteItem> batch)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Raw BEGIN/COMMIT: work items create plain commands without a SqliteTransaction object.
            Execute(_writeConnection, "BEGIN IMMEDIATE;");
            foreach (var item in batch)
            {
                Execute(_writeConnection, "SAVEPOINT item;");
                try
                {
                    item.Run(_writeConnection);
                    Execute(_writeConnection, "RELEASE item;");
                }
                catch (Exception ex)
                {
                    Execute(_writeConnection, "ROLLBACK TO item; RELEASE item;");
                    item.RecordFailure(ex);
                }
            }

            Execute(_writeConnection, "COMMIT;");
        }
        catch (Exception ex)
        {
            // The commit itself failed (disk full, I/O error): nothing of the batch is durable.
            _logger.LogError(ex, "SQLite group commit of {Count} writes failed", batch.Count);
            TryExecute(_writeConnection, "ROLLBACK;");

            foreach (var item in batch)
            {
                item.Abort(ex);
            }

            return;
        }

        StorageMetrics.CommitBatchSize.Record(batch.Count);
        StorageMetrics.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        foreach (var item in batch)
        {
            item.Succeed();
        }
    }

    private void TryExecute(SqliteConnection connection, string sql)
    {
        try
        {
            Execute(connection, sql);
        }
        catch (SqliteException ex)
        {
            _logger.LogWarning(ex, "SQLite statement {Sql} failed", sql);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        if (Thread.CurrentThread != _writer)
        {
            _writer.Join(TimeSpan.FromSeconds(30));
        }

        _writeConnection.Dispose();
        _queue.Dispose();
        SqliteConnection.ClearAllPools();
    }

    private interface IWriteItem
    {
        void Run(SqliteConnection connection);

        void Succeed();

        void RecordFailure(Exception exception);

        void Abort(Exception exception);
    }

    private sealed class WriteItem<T>(Func<SqliteConnection, T> work) : IWriteItem
    {
        private T? _result;
        private Exception? _failure;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Run(SqliteConnection connection) => _result = work(connection);

        public void Succeed()
        {
            if (_failure is not null)
            {
                Completion.TrySetException(_failure);
            }
            else
            {
                Completion.TrySetResult(_result!);
            }
        }

        /// <summary>This item's work failed and was rolled back alone; reported once the batch is settled.</summary>
        public void RecordFailure(Exception exception) => _failure = exception;

        /// <summary>The whole batch failed to commit.</summary>
        public void Abort(Exception exception) => Completion.TrySetException(exception);
    }
}
