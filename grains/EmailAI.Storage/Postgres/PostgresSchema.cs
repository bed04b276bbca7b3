using Npgsql;

namespace EmailAI.Storage.Postgres;

/// <summary>
/// Applies the cluster schema (deploy/postgresql/*.sql, embedded, in file-name order) on every start. The
/// scripts are idempotent, and they run in one transaction that first takes a transaction-scoped advisory
/// lock, so several silos and gateways starting at once apply them one after another and none sees a
/// half-made schema.
/// </summary>
public static class PostgresSchema
{
    /// <summary>Advisory lock key ("EmAI" in ASCII) that serialises schema application.</summary>
    private const long LockKey = 0x456D4149;

    private const string ResourcePrefix = "EmailAI.Storage.Postgres.";

    /// <summary>The embedded scripts, in the order they are applied.</summary>
    public static IReadOnlyList<string> ScriptNames { get; } =
        [.. typeof(PostgresSchema).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var name in ScriptNames)
        {
            await using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            await using var command = new NpgsqlCommand(await reader.ReadToEndAsync(cancellationToken), connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
