using EmailAI.Gateway;
using EmailAI.Grains;
using EmailAI.Storage;
using EmailAI.Storage.Sqlite;
using Orleans.Runtime.Hosting;

namespace EmailAI.Server;

/// <summary>
/// The embedded default's silo: localhost clustering and the SQLite store in the data directory
/// (<c>emailai.db</c>, WAL beside it). Grain state and message content share one database file and one
/// group-committing writer.
/// </summary>
public static class EmbeddedSiloHosting
{
    public const string DatabaseFileName = "emailai.db";

    public static WebApplicationBuilder AddEmailAIEmbeddedSilo(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(EmailAIOptions.Section).Get<EmailAIOptions>() ?? new EmailAIOptions();
        if (!string.Equals(options.Storage.Provider, StorageOptions.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"EmailAI:Storage:Provider '{options.Storage.Provider}' is not supported by the embedded server; use 'Sqlite'.");
        }

        var databasePath = Path.GetFullPath(Path.Combine(options.DataDirectory, DatabaseFileName));
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(options.Cluster.SiloPort, options.Cluster.GatewayPort);
            silo.AddActivityPropagation();
            silo.Services.AddSingleton(sp => new SqliteDatabase(databasePath, sp.GetRequiredService<ILogger<SqliteDatabase>>()));
            silo.Services.AddSingleton<IMessageStore, SqliteMessageStore>();
            silo.Services.AddSingleton<JsonGrainStateSerializer>();
            silo.Services.AddGrainStorage(
                StorageNames.Provider,
                (sp, _) => new SqliteGrainStorage(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<JsonGrainStateSerializer>()));
        });
        return builder;
    }
}
