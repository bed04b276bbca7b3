using EmailAI.Protocols.Common;
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
/// Checkpoints (copying the WAL into the database file) run on a thread of their own in PASSIVE mode,
/// so they never stall a commit; the writer itself never checkpoints.
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
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private readonly Thread _checkpointer;
    private readonly ManualResetEventSlim _stopping = new();
    // Idle read connections. A read rents one for its callback and returns it; at most MaxIdleReaders stay
    // open, so a thread pool that grows and shrinks does not leave connections (and file handles) behind.
    private readonly ConcurrentBag<ReadConnection> _idleReaders = [];
    private int _idleReaderCount;

    [ThreadStatic]
    private static ReadConnection? t_currentReader;
    private bool _disposed;

    /// <param name="path">The database file; its directory is created <c>0700</c> and the file (with its WAL and
    /// shared-memory files, which SQLite creates with the database's mode) <c>0600</c>: they hold every message and
    /// password hash. Files an older version left readable by others are narrowed at start, with a warning.</param>
    /// <param name="logger">Where commit failures and narrowed permissions are reported.</param>
    /// <param name="maxDatabaseBytes">A cap on the database file's size (SQLite's <c>max_page_count</c>), 0 for none:
    /// past it a write fails as a full disk would (<see cref="EmailAI.Contracts.InsufficientStorageException"/>).</param>
    public SqliteDatabase(string path, ILogger<SqliteDatabase> logger, long maxDatabaseBytes = 0)
    {
        _logger = logger;
        var fullPath = Path.GetFullPath(path);
        MakePrivate(fullPath);
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
        Execute(_writeConnection, "PRAGMA wal_autocheckpoint=0;");
        Execute(_writeConnection, "PRAGMA journal_size_limit=67108864;");
        SqliteSchema.Apply(_writeConnection);
        if (maxDatabaseBytes > 0)
        {
            // Per connection, and only the writer's writes grow the file.
            using var pageSize = _writeConnection.CreateCommand();
            pageSize.CommandText = "PRAGMA page_size;";
            var pages = Math.Max(1, maxDatabaseBytes / Convert.ToInt64(pageSize.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
            Execute(_writeConnection, $"PRAGMA max_page_count={pages};");
        }

        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "emailai-sqlite-writer" };
        _writer.Start();
        _checkpointer = new Thread(CheckpointLoop) { IsBackground = true, Name = "emailai-sqlite-checkpoint" };
        _checkpointer.Start();
    }

    private void MakePrivate(string fullPath)
    {
        var directory = Path.GetDirectoryName(fullPath)!;
        try
        {
            if (PrivateFiles.CreateDirectory(directory) is { } wide)
            {
                _logger.LogWarning("Data directory {Directory} was readable by others (mode {Mode}); narrowed to 0700", directory, wide);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A mounted volume owned by another user: the files below are still made private.
            Directory.CreateDirectory(directory);
            _logger.LogWarning("Data directory {Directory} could not be made owner-only: {Error}", directory, ex.Message);
        }

        if (!File.Exists(fullPath))
        {
            // Created empty and 0600 before SQLite opens it, so it is never readable by others; SQLite gives its WAL
            // and -shm files the database file's mode.
            PrivateFiles.WriteAllText(fullPath, "");
        }

        foreach (var file in new[] { fullPath, fullPath + "-wal", fullPath + "-shm", fullPath + "-journal" })
        {
            if (PrivateFiles.RestrictFile(file) is { } wide)
            {
                _logger.LogWarning("{File} was readable by others (mode {Mode}); narrowed to 0600", file, wide);
            }
        }
    }

    /// <summary>How often the WAL is copied into the database file.</summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A prepared statement on the writer's connection, cached for reuse, with its parameters cleared.
    /// Only for use inside a <see cref="WriteAsync{T}"/> callback (on the writer thread).
    /// </summary>
    public SqliteCommand Prepared(string sql)
    {
        if (Thread.CurrentThread != _writer)
        {
            throw new InvalidOperationException("Prepared statements belong to the writer thread.");
        }

        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = _writeConnection.CreateCommand();
            command.CommandText = sql;
            _prepared[sql] = command;
        }

        command.Parameters.Clear();
        return command;
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

    /// <summary>Read connections kept open while idle; more are opened under load and closed when returned.</summary>
    public static readonly int MaxIdleReaders = Environment.ProcessorCount * 2 + 2;

    /// <summary>
    /// Runs a read at once on the calling thread, on a read connection rented for the callback (WAL lets
    /// readers run beside the writer). Point reads from the page cache take microseconds; a hop to another
    /// thread would cost more than it saves, since grains already run on the thread pool. The task is
    /// completed when returned; a failure is in the task, not thrown.
    /// </summary>
    public Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default)
    {
        ReadConnection? reader = null;
        var previous = t_currentReader;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed, this);
            reader = RentReader();
            t_currentReader = reader;
            return Task.FromResult(work(reader.Connection));
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
        finally
        {
            t_currentReader = previous;
            if (reader is not null)
            {
                ReturnReader(reader);
            }
        }
    }

    /// <summary>
    /// A prepared statement on the read connection of the <see cref="ReadAsync{T}"/> callback running on this
    /// thread, cached, parameters cleared. Only for use inside such a callback.
    /// </summary>
    public SqliteCommand PreparedRead(string sql) =>
        (t_currentReader ?? throw new InvalidOperationException("PreparedRead belongs inside a ReadAsync callback.")).Prepared(sql);

    private ReadConnection RentReader()
    {
        if (_idleReaders.TryTake(out var reader))
        {
            Interlocked.Decrement(ref _idleReaderCount);
            return reader;
        }

        return new ReadConnection(_connectionString);
    }

    private void ReturnReader(ReadConnection reader)
    {
        if (!_disposed && Interlocked.Increment(ref _idleReaderCount) <= MaxIdleReaders)
        {
            _idleReaders.Add(reader);
            return;
        }

        if (!_disposed)
        {
            Interlocked.Decrement(ref _idleReaderCount);
        }

        reader.Dispose();
    }

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

    private void CheckpointLoop()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout=30000;");
        while (!_stopping.Wait(CheckpointInterval))
        {
            TryExecute(connection, "PRAGMA wal_checkpoint(PASSIVE);");
        }

        // Writer stopped: fold the whole WAL into the database file and truncate it.
        TryExecute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
    }

    private void CommitBatch(List<IWriteItem> batch)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Raw BEGIN/COMMIT: work items create plain commands without a SqliteTransaction object.
            Prepared("BEGIN IMMEDIATE;").ExecuteNonQuery();
            foreach (var item in batch)
            {
                Prepared("SAVEPOINT item;").ExecuteNonQuery();
                try
                {
                    item.Run(_writeConnection);
                    Prepared("RELEASE item;").ExecuteNonQuery();
                }
                catch (Exception ex)
                {
                    try
                    {
                        Execute(_writeConnection, "ROLLBACK TO item; RELEASE item;");
                    }
                    catch (SqliteException)
                    {
                        // SQLite rolled the whole transaction back itself (it may on SQLITE_FULL or an I/O error):
                        // the batch failed for this item's reason.
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
                    }

                    item.RecordFailure(StorageErrors.Translate(ex));
                }
            }

            Prepared("COMMIT;").ExecuteNonQuery();
        }
        catch (Exception ex)
        {
            // The commit itself failed (disk full, I/O error): nothing of the batch is durable.
            _logger.LogError(ex, "SQLite group commit of {Count} writes failed", batch.Count);
            TryExecute(_writeConnection, "ROLLBACK;");

            var failure = StorageErrors.Translate(ex);
            foreach (var item in batch)
            {
                item.Abort(failure);
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

        _stopping.Set();
        _checkpointer.Join(TimeSpan.FromSeconds(30));
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _disposed = true;
        while (_idleReaders.TryTake(out var reader))
        {
            reader.Dispose();
        }

        _writeConnection.Dispose();
        _stopping.Dispose();
        _queue.Dispose();
        SqliteConnection.ClearAllPools();
    }

    /// <summary>A read connection and its prepared statements; used by one read at a time.</summary>
    private sealed class ReadConnection : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

        public ReadConnection(string connectionString)
        {
            Connection = new SqliteConnection(connectionString);
            Connection.Open();
            using var command = Connection.CreateCommand();

            // A small page cache per reader: there are several readers, and the OS caches the file anyway.
            command.CommandText = "PRAGMA busy_timeout=30000; PRAGMA cache_size=-1024;";
            command.ExecuteNonQuery();
        }

        public SqliteConnection Connection { get; }

        public SqliteCommand Prepared(string sql)
        {
            if (!_prepared.TryGetValue(sql, out var command))
            {
                command = Connection.CreateCommand();
                command.CommandText = sql;
                _prepared[sql] = command;
            }

            command.Parameters.Clear();
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _prepared.Values)
            {
                command.Dispose();
            }

            Connection.Dispose();
        }
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
