using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway;

/// <summary>
/// Says at start-up what each listener is, once it listens: <c>SMTP on 0.0.0.0:25 and [::]:25 (STARTTLS)</c>,
/// <c>POP3 on 127.0.0.1:995 (implicit TLS)</c>, <c>Admin API on http://127.0.0.1:8080</c>, then that the server has
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
        Announce(o.Smtp, "SMTP", "STARTTLS");
        Announce(o.Submission, "SMTP submission", "STARTTLS, AUTH required");
        Announce(o.Submissions, "SMTP submission", "implicit TLS, AUTH required");
        Announce(o.Pop3, "POP3", "STLS");
        Announce(o.Pop3s, "POP3", "implicit TLS");

        LogListener(logger, "Admin API", Where(o.Admin.ListenAddress, o.Admin.Port, "http://"));
        LogStarted(logger, o.ServerDomain);
    }

    private void Announce(ListenerOptions listener, string name, string tls)
    {
        if (listener.Enabled)
        {
            LogListener(logger, name, Where(listener.ListenAddress, listener.Port) + " (" + tls + ")");
        }
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
