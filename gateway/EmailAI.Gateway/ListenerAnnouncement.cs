using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway;

/// <summary>
/// Says at start-up what each listener is, once it listens: <c>SMTP on 0.0.0.0:25 and [::]:25</c>,
/// <c>POP3 on 127.0.0.1:110</c>, <c>Admin API on http://127.0.0.1:8080</c>, then that the server has
/// started, and later that it is stopping. The host's own lifetime lines (category
/// <see cref="HostLifetimeCategory"/>) are filtered out, because they call the SMTP and POP3 ports http.
/// </summary>
public sealed partial class ListenerAnnouncement(IHostApplicationLifetime lifetime, IOptions<EmailAIOptions> options, ILogger<ListenerAnnouncement> logger)
    : IHostedService
{
    /// <summary>The logging category of the host's "Now listening on: http://…" lines.</summary>
    public const string HostLifetimeCategory = "Microsoft.Hosting.Lifetime";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Announce);
        lifetime.ApplicationStopping.Register(() => LogStopping(logger));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Announce()
    {
        var o = options.Value;
        if (o.Smtp.Enabled)
        {
            LogListener(logger, "SMTP", Where(o.Smtp.ListenAddress, o.Smtp.Port));
        }

        if (o.Pop3.Enabled)
        {
            LogListener(logger, "POP3", Where(o.Pop3.ListenAddress, o.Pop3.Port));
        }

        LogListener(logger, "Admin API", Where(o.Admin.ListenAddress, o.Admin.Port, "http://"));
        LogStarted(logger, o.ServerDomain);
    }

    /// <summary>The endpoints a ListenAddress setting binds, as GatewayHosting.Listen binds them.</summary>
    public static string Where(string listenAddress, int port, string scheme = "")
    {
        if (string.Equals(listenAddress, "Any", StringComparison.OrdinalIgnoreCase))
        {
            return $"{scheme}0.0.0.0:{port} and {scheme}[::]:{port}";
        }

        if (string.Equals(listenAddress, "Localhost", StringComparison.OrdinalIgnoreCase))
        {
            return $"{scheme}127.0.0.1:{port} and {scheme}[::1]:{port}";
        }

        return System.Net.IPAddress.TryParse(listenAddress, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"{scheme}[{ip}]:{port}"
            : $"{scheme}{listenAddress}:{port}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Listener} on {Endpoints}")]
    private static partial void LogListener(ILogger logger, string listener, string endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "EmailAI started as {ServerDomain}; Ctrl+C or SIGTERM stops it")]
    private static partial void LogStarted(ILogger logger, string serverDomain);

    [LoggerMessage(Level = LogLevel.Information, Message = "EmailAI is stopping")]
    private static partial void LogStopping(ILogger logger);
}
