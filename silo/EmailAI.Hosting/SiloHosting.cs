using System.Net;
using EmailAI.Gateway;
using DnsClient;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Grains.Dns;
using EmailAI.Grains.Authentication;
using EmailAI.Grains.Inbound;
using EmailAI.Grains.Authentication.Dmarc;
using EmailAI.Grains;
using EmailAI.Grains.Delivery;
using EmailAI.Grains.DkimSigning;
using EmailAI.Grains.Policy;
using EmailAI.Grains.Quarantine;
using EmailAI.Grains.Quota;
using EmailAI.Grains.WhiteList;
using EmailAI.Storage;
using EmailAI.Storage.Postgres;
using EmailAI.Storage.Sqlite;
using Npgsql;
using Orleans.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Hosting;
using OpenTelemetry.Metrics;

namespace EmailAI.Hosting;

/// <summary>
/// The silo of a server process. <c>Sqlite</c> (the embedded default): localhost clustering and the SQLite
/// store in the data directory, where grain state and message content share one file and one group-committing
/// writer. <c>PostgreSql</c>: Orleans ADO.NET clustering, grain storage and reminders plus the message store
/// on one PostgreSQL database, whose schema is applied at start; several such processes form one cluster,
/// and gateway-only processes (gateway/EmailAI.GatewayHost) join it as Orleans clients.
/// </summary>
public static class SiloHosting
{
    public const string DatabaseFileName = "emailai.db";

    /// <summary>The ADO.NET invariant under which Orleans loads Npgsql.</summary>
    public const string NpgsqlInvariant = "Npgsql";

    public static WebApplicationBuilder AddEmailAISilo(this WebApplicationBuilder builder)
    {
        ProcessCulture.UseInvariant();
        var options = builder.Configuration.GetSection(EmailAIOptions.Section).Get<EmailAIOptions>() ?? new EmailAIOptions();
        if (string.Equals(options.Storage.Provider, StorageOptions.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            AddSqlite(builder, options);
        }
        else if (string.Equals(options.Storage.Provider, StorageOptions.PostgreSql, StringComparison.OrdinalIgnoreCase))
        {
            AddPostgreSql(builder, options);
        }
        else
        {
            throw new InvalidOperationException($"EmailAI:Storage:Provider '{options.Storage.Provider}' must be 'Sqlite' or 'PostgreSql'.");
        }

        AddDelivery(builder, options);
        AddPolicy(builder);
        AddAuthentication(builder);
        AddMaildrops(builder);
        AddInbound(builder, options);
        AddQuarantine(builder);
        AddWhiteList(builder);
        builder.AddEmailAIPasswordHashing();
        return builder;
    }

    /// <summary>
    /// Sender authentication of inbound mail (EmailAI:Authentication): the Public Suffix List, read once, and the
    /// authenticator ingest calls once per message; its meter is exported with the node's other metrics.
    /// </summary>
    private static void AddAuthentication(WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<AuthenticationOptions>()
            .Bind(builder.Configuration.GetSection(AuthenticationOptions.Section))
            .Validate(o => o.Timeout > TimeSpan.Zero, "EmailAI:Authentication:Timeout must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<PublicSuffixList>();
        builder.Services.AddHostedService<PublicSuffixListWarmup>();
        builder.Services.AddSingleton<IMessageAuthenticator, MessageAuthenticator>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(AuthenticationMetrics.MeterName));
    }

    /// <summary>The session policy's silo-side state: the relay policy cache and the refresher that keeps it current.</summary>
    private static void AddPolicy(WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RelayPolicyCache>();
        builder.Services.AddHostedService<RelayPolicyRefresher>();
    }

    /// <summary>
    /// Sender authentication of inbound mail (<c>EmailAI:Authentication</c>): the authserv-id defaults to the server
    /// domain; ingest's <see cref="InboundChecks"/> applies the checks' verdict.
    /// </summary>
    private static void AddInbound(WebApplicationBuilder builder, EmailAIOptions options)
    {
        builder.Services.AddOptions<AuthenticationOptions>()
            .PostConfigure(o => o.AuthServId = string.IsNullOrWhiteSpace(o.AuthServId) ? options.ServerDomain : o.AuthServId.Trim());
        builder.Services.AddSingleton<InboundChecks>();
    }

    /// <summary>
    /// Storage quotas (<c>EmailAI:Quota:DefaultBytes</c>) and the server's postmaster account
    /// (<c>EmailAI:PostmasterAccount</c>), both read by the silo, checked at start.
    /// </summary>
    private static void AddMaildrops(WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<QuotaOptions>()
            .Bind(builder.Configuration.GetSection(QuotaOptions.Section))
            .Validate(o => o.DefaultBytes >= 0, "EmailAI:Quota:DefaultBytes must be 0 (unlimited) or a positive number of octets")
            .ValidateOnStart();
        builder.Services.AddOptions<PostmasterOptions>()
            .Bind(builder.Configuration.GetSection(PostmasterOptions.Section))
            .Validate(ServerPostmaster.IsValid, "EmailAI:PostmasterAccount must be a plain address such as postmaster@example.com")
            .ValidateOnStart();
        builder.Services.AddSingleton<MaildropQuota>();
        builder.Services.AddSingleton<ServerPostmaster>();
    }

    /// <summary>
    /// The quarantine of mail from unlisted senders: its store (the message store of either provider, which holds the
    /// held rows in the delivery's transaction), <c>EmailAI:Quarantine</c> checked at start, and the expiry sweeper.
    /// </summary>
    private static void AddQuarantine(WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<QuarantineOptions>()
            .Bind(builder.Configuration.GetSection(QuarantineOptions.Section))
            .Validate(o => o.Retention > TimeSpan.Zero && o.SweepInterval > TimeSpan.Zero, "EmailAI:Quarantine:Retention and SweepInterval must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => (IQuarantineStore)sp.GetRequiredService<IMessageStore>());
        builder.Services.AddHostedService<QuarantineSweeper>();
    }

    /// <summary>The auto white list's bound (<c>EmailAI:WhiteList:MaxEntries</c>), checked at start; its store is the provider's.</summary>
    private static void AddWhiteList(WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WhiteListOptions>()
            .Bind(builder.Configuration.GetSection(WhiteListOptions.Section))
            .Validate(o => o.MaxEntries >= 1, "EmailAI:WhiteList:MaxEntries must be a positive number of entries")
            .ValidateOnStart();
    }

    /// <summary>Outbound delivery: options from EmailAI:Delivery, the router with its DNS client, and the queue scanner.</summary>
    private static void AddDelivery(WebApplicationBuilder builder, EmailAIOptions options)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<DeliveryOptions>()
            .Bind(builder.Configuration.GetSection(DeliveryOptions.Section))
            .PostConfigure(o => o.HeloName = string.IsNullOrWhiteSpace(o.HeloName) ? options.ServerDomain : o.HeloName)
            .Validate(o => o.MaxConnectionsPerDestination > 0 && o.InitialConnectionsPerDestination > 0 && o.MaxMessagesPerConnection > 0 && o.BatchSize > 0,
                "EmailAI:Delivery connection, message and batch limits must be positive")
            .Validate(o => o.Routes.Values.All(r => DeliveryRouter.TryParseHostPort(r, out _, out _)), "EmailAI:Delivery:Routes values must be host or host:port")
            .ValidateOnStart();
        builder.Services.AddOptions<DnsOptions>()
            .Bind(builder.Configuration.GetSection(DnsOptions.Section))
            .Validate(o => o.Timeout > TimeSpan.Zero && o.Retries >= 0, "EmailAI:Dns:Timeout must be positive and Retries not negative")
            .ValidateOnStart();
        builder.Services.AddSingleton<ILookupClient>(sp =>
        {
            // EmailAI:Dns:Servers serves every lookup; EmailAI:Delivery:DnsServers, its older name, is read when it is empty.
            var dns = sp.GetRequiredService<IOptions<DnsOptions>>().Value;
            var configured = dns.Servers.Count > 0 ? dns.Servers : sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.DnsServers;
            var servers = configured.Select(ParseNameServer).ToArray();
            var lookup = servers.Length > 0 ? new LookupClientOptions(servers) : new LookupClientOptions();
            lookup.UseCache = true;
            lookup.Timeout = dns.Timeout;
            lookup.Retries = dns.Retries;
            return new LookupClient(lookup);
        });
        builder.Services.AddSingleton<IDnsLookup, DnsClientLookup>();
        builder.Services.AddSingleton<ISpfChecker>(sp => new SpfChecker(sp.GetRequiredService<IDnsLookup>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SpfChecker>>(), options.ServerDomain));
        builder.Services.AddSingleton<DeliveryRouter>();
        builder.Services.AddSingleton<RecipientCallout>();
        builder.Services.AddSingleton<DkimKeyCache>();
        builder.Services.AddSingleton<DkimOutboundSigner>();
        builder.Services.AddHostedService<DeliveryScanner>();
    }

    private static NameServer ParseNameServer(string text)
    {
        if (!DeliveryRouter.TryParseHostPort(text, out var host, out var port, NameServer.DefaultPort) || !IPAddress.TryParse(host, out var address))
        {
            throw new InvalidOperationException($"EmailAI:Dns:Servers entry '{text}' must be an IP address, optionally with :port.");
        }

        return new NameServer(address, port);
    }

    private static void AddSqlite(WebApplicationBuilder builder, EmailAIOptions options)
    {
        var databasePath = Path.GetFullPath(Path.Combine(options.DataDirectory, DatabaseFileName));
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(options.Cluster.SiloPort, options.Cluster.GatewayPort, null, options.Cluster.ServiceId, options.Cluster.ClusterId);
            silo.AddActivityPropagation();
            silo.Services.AddSingleton(sp => new SqliteDatabase(databasePath, sp.GetRequiredService<ILogger<SqliteDatabase>>(), options.Storage.MaxDatabaseBytes));
            silo.Services.AddSingleton<IMessageStore, SqliteMessageStore>();
            silo.Services.AddSingleton<IWhiteListStore, SqliteWhiteListStore>();
            silo.Services.AddSingleton<JsonGrainStateSerializer>();
            silo.Services.AddGrainStorage(
                StorageNames.Provider,
                (sp, _) => new SqliteGrainStorage(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<JsonGrainStateSerializer>()));
        });
    }

    private static void AddPostgreSql(WebApplicationBuilder builder, EmailAIOptions options)
    {
        var connectionString = options.Storage.ConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("EmailAI:Storage:ConnectionString is required for the PostgreSql provider.");
        }

        var dataSource = NpgsqlDataSource.Create(connectionString);

        // The schema exists before Orleans looks for its queries: applied now, under an advisory lock, so
        // several nodes starting together take turns.
        PostgresSchema.ApplyAsync(dataSource).GetAwaiter().GetResult();

        builder.UseOrleans(silo =>
        {
            silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = options.Cluster.ClusterId;
                o.ServiceId = options.Cluster.ServiceId;
            });
            if (options.Cluster.AdvertisedAddress is { } advertised)
            {
                silo.ConfigureEndpoints(IPAddress.Parse(advertised), options.Cluster.SiloPort, options.Cluster.GatewayPort, listenOnAnyHostAddress: true);
            }
            else
            {
                silo.ConfigureEndpoints(options.Cluster.SiloPort, options.Cluster.GatewayPort, listenOnAnyHostAddress: true);
            }

            // ORLEANS-FACTS: with these a killed silo is declared dead in about a second instead of 10-15.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
                o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            });
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = connectionString;
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = connectionString;
            });
            silo.Services.AddSingleton<JsonGrainStateSerializer>();
            silo.AddAdoNetGrainStorage(StorageNames.Provider, o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = connectionString;
            });
            silo.Services.AddOptions<Orleans.Configuration.AdoNetGrainStorageOptions>(StorageNames.Provider)
                .Configure<JsonGrainStateSerializer>((o, serializer) => o.GrainStorageSerializer = serializer);
            silo.AddActivityPropagation();
            silo.Services.AddSingleton<IMessageStore>(new PostgresMessageStore(dataSource));
            silo.Services.AddSingleton<IWhiteListStore>(new PostgresWhiteListStore(dataSource));
            if (options.Cluster.Kubernetes)
            {
                // Last, so the pod's address and the ids from its environment win over the settings above.
                silo.UseKubernetesHosting();
            }
        });
    }
}
