using EmailAI.Gateway;
using EmailAI.Gateway.Smtp;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace EmailAI.GatewayHost;

/// <summary>
/// The gateway's Orleans client. With the PostgreSql provider it finds silos through the cluster's membership
/// table; with Sqlite it talks to one silo on this machine (EmailAI:Cluster:GatewayPort, default 30000).
/// Timeouts are short so a lost silo turns into a quick 4xx/-ERR [SYS/TEMP] rather than a hang.
/// </summary>
public static class ClusterClientHosting
{
    /// <summary>Grain calls from a gateway node: a call to a silo that died hangs this long (ORLEANS-FACTS).</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    public static WebApplicationBuilder AddEmailAIClusterClient(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(EmailAIOptions.Section).Get<EmailAIOptions>() ?? new EmailAIOptions();
        builder.Services.AddSingleton(sp => new IngestCallBudget(sp.GetRequiredService<IOptions<ClientMessagingOptions>>().Value.ResponseTimeout));
        builder.UseOrleansClient(client =>
        {
            client.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = options.Cluster.ClusterId;
                o.ServiceId = options.Cluster.ServiceId;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            if (string.Equals(options.Storage.Provider, StorageOptions.PostgreSql, StringComparison.OrdinalIgnoreCase))
            {
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = options.Storage.ConnectionString
                        ?? throw new InvalidOperationException("EmailAI:Storage:ConnectionString is required for the PostgreSql provider.");
                });
            }
            else
            {
                client.UseLocalhostClustering(options.Cluster.GatewayPort > 0 ? options.Cluster.GatewayPort : 30000, options.Cluster.ServiceId, options.Cluster.ClusterId);
            }

            client.AddActivityPropagation();
        });
        return builder;
    }
}
