namespace EmailAI.Gateway;

public sealed class StorageOptions
{
    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSql";

    /// <summary><c>Sqlite</c> (embedded) or <c>PostgreSql</c> (cluster).</summary>
    public string Provider { get; set; } = Sqlite;

    public string? ConnectionString { get; set; }
}
