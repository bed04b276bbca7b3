using System.Reflection;
using EmailAI.Gateway.Tls;
using EmailAI.Protocols.Pop3;
using EmailAI.Protocols.Smtp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Admin;

/// <summary>
/// <c>GET /api/v1/node</c>: the settings of the node that answers, read-only — server domain, each listener (enabled,
/// port, listen address, what it offers), the admin listener, the certificate every listener presents, and the SMTP
/// limits a mail admin asks about first. They are node settings (DESIGN.md): configuration files, environment variables
/// or the command line set them, a restart applies them, and each node of a cluster has its own; <c>changeWith</c>
/// says so in the answer, so the admin page can show it next to them.
/// </summary>
public static class NodeApi
{
    /// <summary>Where node settings are changed, as the answer says it.</summary>
    public const string ChangeWith =
        "Node settings: set them in appsettings.json, as environment variables (EmailAI__Smtp__Port=2525) or on the command line " +
        "(--EmailAI:Smtp:Port=2525), then restart the node. Each node of a cluster has its own.";

    public static void Map(RouteGroupBuilder api) => api.MapGet("/node", Get);

    private static IResult Get(HttpContext context)
    {
        var services = context.RequestServices;
        var node = services.GetRequiredService<IOptions<EmailAIOptions>>().Value;
        var smtp = services.GetRequiredService<IOptions<SmtpOptions>>().Value;
        var pop3 = services.GetRequiredService<IOptions<Pop3Options>>().Value;
        var certificate = services.GetService<ServerCertificateStore>()?.Current;
        return Results.Json(
            new
            {
                serverDomain = node.ServerDomain,
                version = typeof(NodeApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
                machine = Environment.MachineName,
                listeners = new[]
                {
                    Listener("smtp", "SMTP Server", node.Smtp, "STARTTLS", smtp.AllowInsecureAuth ? "AUTH also without TLS" : "AUTH after STARTTLS"),
                    Listener("submission", "Submission (RFC 6409)", node.Submission, "STARTTLS", "AUTH required"),
                    Listener("submissions", "Submission over TLS (RFC 8314)", node.Submissions, "implicit TLS", "AUTH required"),
                    Listener("pop3", "POP3 Server", node.Pop3, "STLS", pop3.AllowInsecureAuth ? "login also without TLS" : "login after STLS"),
                    Listener("pop3s", "POP3 over TLS (RFC 8314)", node.Pop3s, "implicit TLS", "login"),
                },
                admin = new
                {
                    port = node.Admin.Port,
                    listenAddress = node.Admin.ListenAddress,
                    endpoints = ListenerAnnouncement.Where(node.Admin.ListenAddress, node.Admin.Port, "http://"),
                    setting = "EmailAI:Admin",
                },
                tls = certificate is null ? null : new
                {
                    subject = certificate.Certificate.Subject,
                    issuer = certificate.Certificate.Issuer,
                    notBefore = new DateTimeOffset(certificate.Certificate.NotBefore.ToUniversalTime()),
                    notAfter = new DateTimeOffset(certificate.Certificate.NotAfter.ToUniversalTime()),
                    sha256Fingerprint = certificate.Sha256Fingerprint,
                    selfSigned = certificate.SelfSigned,
                    source = certificate.Source,
                    setting = "EmailAI:Tls",
                },
                smtp = new
                {
                    maxMessageSize = smtp.MaxMessageSize,
                    maxRecipients = smtp.MaxRecipients,
                    maxConnections = smtp.MaxConnections,
                    maxConnectionsPerClient = smtp.MaxConnectionsPerClient,
                    commandTimeout = smtp.CommandTimeout,
                    setting = "EmailAI:Smtp",
                },
                changeWith = ChangeWith,
            },
            AdminApi.Json);
    }

    private static object Listener(string name, string title, ListenerOptions listener, string tls, string auth) => new
    {
        name,
        title,
        enabled = listener.Enabled,
        port = listener.Port,
        listenAddress = listener.ListenAddress,
        endpoints = listener.Enabled ? ListenerAnnouncement.Where(listener.ListenAddress, listener.Port) : null,
        tls,
        auth,
        setting = "EmailAI:" + char.ToUpperInvariant(name[0]) + name[1..],
    };
}
