using Npgsql;

namespace EmailAI.Tests.Postgres;

/// <summary>Applies the repository's <c>deploy/postgresql/001-orleans.sql</c> the way the migration runner does.</summary>
public static class OrleansSchema
{
    /// <summary>Advisory lock key the tests take around the script (any key shared by all appliers works).</summary>
    public const long LockKey = 0x4F524C45414E53; // "ORLEANS"

    /// <summary>Every query key the clustering, grain storage and reminders providers of Orleans 10.4.2 read.</summary>
    public static readonly IReadOnlyList<string> RequiredQueryKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadAllKey", "MembershipReadRowKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey",
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    public static string ScriptPath => Path.Combine(FindRepositoryRoot(), "deploy", "postgresql", "001-orleans.sql");

    /// <summary>Runs the script in one transaction holding <see cref="LockKey"/>, then commits.</summary>
    public static async Task ApplyAsync(string connectionString)
    {
        var script = await File.ReadAllTextAsync(ScriptPath);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", LockKey);
            await lockCommand.ExecuteNonQueryAsync();
        }

        await using (var command = new NpgsqlCommand(script, connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EmailAI.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No EmailAI.sln above {AppContext.BaseDirectory}");
    }
}
