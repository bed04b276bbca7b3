using System.Net;
using EmailAI.Contracts;
using EmailAI.Gateway.Admin;
using EmailAI.Gateway.Pop3;
using EmailAI.Gateway.Smtp;
using EmailAI.Gateway.Tls;
using EmailAI.Protocols.Pop3;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EmailAI.Gateway;

/// <summary>Wiring of the gateway into a web host: options, protocol listeners, admin API, telemetry.</summary>
public static class GatewayHosting
{
    /// <summary>
    /// Registers the gateway's services and Kestrel endpoints. The host must also provide an
    /// <see cref="IGrainFactory"/> (a co-hosted silo or an Orleans client) and the <see cref="IngestCallBudget"/> of its grain calls.
    /// </summary>
    public static WebApplicationBuilder AddEmailAIGateway(this WebApplicationBuilder builder)
    {
        ProcessCulture.UseInvariant();
        var section = builder.Configuration.GetSection(EmailAIOptions.Section);
        var options = section.Get<EmailAIOptions>() ?? new EmailAIOptions();
        builder.Services.Configure<EmailAIOptions>(section);
        builder.Services.Configure<SmtpOptions>(section.GetSection("Smtp"));
        builder.Services.PostConfigure<SmtpOptions>(smtp => smtp.ServerDomain = options.ServerDomain);
        builder.Services.Configure<Pop3Options>(section.GetSection("Pop3"));
        builder.Services.PostConfigure<Pop3Options>(pop3 => pop3.ServerDomain = options.ServerDomain);
        builder.Services.Configure<Pop3LoginOptions>(section.GetSection("Pop3"));
        builder.Services.Configure<TlsOptions>(section.GetSection("Tls"));
        builder.Services.AddSingleton<ServerCertificateStore>();
        builder.Services.AddSingleton<TlsHandshake>();
        Geo.GeoHosting.AddEmailAIGeo(builder.Services, section);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AdminToken>();
        builder.Services.AddSingleton<IRecipientPolicy, GrainRecipientPolicy>();
        builder.Services.AddSingleton<IMessageSink, GrainMessageSink>();
        builder.Services.AddSingleton<StorageSpace>();
        builder.Services.AddSingleton<IStorageSpace>(sp => sp.GetRequiredService<StorageSpace>());
        // One Authorised IP cache for both listener families; each family has its own counts.
        builder.Services.AddSingleton<IAuthorisedClients>(sp => new AuthorisedClientCache(
            client => sp.GetRequiredService<IGrainFactory>().GetGrain<ISessionPolicyGrain>(GrainKeys.SessionPolicy).CheckAuthorisedClientAsync(new AuthorisedClientRequest(client)),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AuthorisedClientCache>>()));
        builder.Services.AddSingleton(NewLimiter);
        builder.Services.AddSingleton<ClientErrorHistory>();
        builder.Services.AddSingleton<SmtpStress>();
        builder.Services.AddSingleton<ClusterConnection>();
        builder.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ClusterConnection>());
        builder.Services.AddKeyedSingleton(Pop3ConnectionHandler.LimiterKey, (sp, _) => NewLimiter(sp));
        builder.Services.AddSingleton<GrainPop3Backend>();
        Auth.LoginGatewayHosting.AddEmailAILogin(builder.Services);
        builder.Services.AddProblemDetails();
        builder.Services.AddHostedService<ListenerAnnouncement>();

        // The host's lifetime messages would announce every endpoint as http://; ListenerAnnouncement says
        // what each one is, and when the server has started and is stopping.
        builder.Logging.AddFilter(ListenerAnnouncement.HostLifetimeCategory, LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            Listen(kestrel, options.Admin.ListenAddress, options.Admin.Port, _ => { });
            // The certificate is loaded (or generated) now, so its log line comes at start, not at the first STARTTLS.
            _ = kestrel.ApplicationServices.GetRequiredService<ServerCertificateStore>();
            ListenProtocol<SmtpConnectionHandler>(kestrel, options.Smtp, new ListenerEndpoint("Smtp", ImplicitTls: false, SmtpEndpoint.Mta));
            ListenProtocol<SmtpConnectionHandler>(kestrel, options.Submission, new ListenerEndpoint("Submission", ImplicitTls: false, SmtpEndpoint.Submission));
            ListenProtocol<SmtpConnectionHandler>(kestrel, options.Submissions, new ListenerEndpoint("Submissions", ImplicitTls: true, SmtpEndpoint.Submissions));
            ListenProtocol<Pop3ConnectionHandler>(kestrel, options.Pop3, new ListenerEndpoint("Pop3", ImplicitTls: false, SmtpEndpoint.Mta));
            ListenProtocol<Pop3ConnectionHandler>(kestrel, options.Pop3s, new ListenerEndpoint("Pop3s", ImplicitTls: true, SmtpEndpoint.Mta));
        });

        builder.AddEmailAITelemetry();
        return builder;
    }

    /// <summary>OpenTelemetry metrics (Prometheus at /metrics, OTLP when configured) and, with OTLP, traces.</summary>
    public static WebApplicationBuilder AddEmailAITelemetry(this WebApplicationBuilder builder)
    {
        var otlp = HasOtlpEndpoint(builder.Configuration);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("emailai", serviceInstanceId: Environment.MachineName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GatewayTelemetry.Name, "EmailAI.Storage", "EmailAI.Delivery", "Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime");
                metrics.AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            // Spans cost an allocation per grain call; they are only produced when someone collects them.
            telemetry.WithTracing(tracing => tracing
                .AddSource(GatewayTelemetry.Name, EmailAI.Protocols.Smtp.SmtpTracing.Name, "EmailAI.Silo", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>Maps the admin API, the admin page at /, /healthz, /readyz and /metrics.</summary>
    public static WebApplication MapEmailAIGateway(this WebApplication app)
    {
        // Resolve now so a generated token is created and printed at start, not on the first request.
        _ = app.Services.GetRequiredService<AdminToken>();
        app.UseEmailAIAdminAuthentication();
        app.MapEmailAIHealth();
        app.MapEmailAIAdminApi();
        app.MapEmailAIAdminPage();
        return app;
    }

    /// <summary>/healthz (the process runs), /readyz (a grain call that reads storage answers) and /metrics; no token.</summary>
    public static WebApplication MapEmailAIHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" }));
        app.MapGet("/readyz", ReadyAsync);
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>
    /// Ready when a grain call that reads storage answers within five seconds and the embedded store's disk has at
    /// least <see cref="StorageOptions.MinimumFreeBytes"/> free (503 with <c>"error":"insufficient storage"</c> and the
    /// figures otherwise, so a load balancer takes this gateway out before mail is refused for want of space).
    /// </summary>
    private static async Task<IResult> ReadyAsync(IGrainFactory grains, HttpContext http)
    {
        // A cluster silo maps these endpoints without the gateway's services: no SMTP there, no space to watch.
        if (http.RequestServices.GetService<StorageSpace>() is { IsLow: true } space)
        {
            return Results.Json(
                new { status = "not ready", error = "insufficient storage", freeBytes = space.FreeBytes, minimumFreeBytes = space.MinimumFreeBytes },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        try
        {
            await grains.GetGrain<IDirectoryGrain>(GrainKeys.Directory).ListDomainsAsync().WaitAsync(TimeSpan.FromSeconds(5));
            return Results.Json(new { status = "ready" });
        }
        catch (Exception ex)
        {
            return Results.Json(new { status = "not ready", error = ex.GetType().Name }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static ConnectionLimiter NewLimiter(IServiceProvider services) =>
        new(services.GetRequiredService<TimeProvider>(), services.GetRequiredService<IAuthorisedClients>());

    private static bool HasOtlpEndpoint(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>
    /// Binds one protocol listener when it is enabled; each connection carries its <see cref="ListenerEndpoint"/>
    /// as a feature, so one handler serves 25/587/465 (or 110/995) and knows which one it is on.
    /// </summary>
    private static void ListenProtocol<THandler>(KestrelServerOptions kestrel, ListenerOptions listener, ListenerEndpoint endpoint)
        where THandler : ConnectionHandler
    {
        if (!listener.Enabled)
        {
            return;
        }

        Listen(kestrel, listener.ListenAddress, listener.Port, l =>
        {
            l.Use(next => connection =>
            {
                connection.Features.Set(endpoint);
                return next(connection);
            });
            l.UseConnectionHandler<THandler>();
        });
    }

    private static void Listen(KestrelServerOptions kestrel, string address, int port, Action<ListenOptions> configure)
    {
        if (string.Equals(address, "Any", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenAnyIP(port, configure);
        }
        else if (string.Equals(address, "Localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(port, configure);
        }
        else if (IPAddress.TryParse(address, out var ip))
        {
            kestrel.Listen(ip, port, configure);
        }
        else
        {
            throw new OptionsValidationException(nameof(ListenerOptions.ListenAddress), typeof(ListenerOptions), [$"ListenAddress '{address}' must be 'Any', 'Localhost' or an IP address"]);
        }
    }
}
