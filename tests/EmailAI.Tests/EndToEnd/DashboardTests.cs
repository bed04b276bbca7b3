using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Tests.Delivery;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The Grafana dashboard (deploy/grafana/dashboards/emailai.json) cannot drift from the metric names: a real
/// Prometheus (Debian's prometheus package, installed here when missing and running as root) scrapes a running server
/// on loopback every second while SMTP (accepted, refused, relayed, STARTTLS with AUTH), POP3 over TLS and outbound
/// delivery run; then every query of every panel is evaluated through Prometheus's HTTP API and must return data — a
/// series with a number, not NaN.
/// </summary>
public sealed class DashboardTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EveryPanelQuery_ReturnsDataFromARealPrometheusScrapingTheServer()
    {
        var prometheus = FindOrInstallPrometheus();
        await using var sink = await SmtpSink.StartAsync();
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Delivery:Routes:*"] = $"127.0.0.1:{sink.Port}",
            ["EmailAI:Delivery:QueueScanInterval"] = "00:00:01",
            ["EmailAI:Smtp:AllowInsecureAuth"] = "false",
        });
        await server.ProvisionAsync("alice@local.test", "alice-password-1");
        using (var relay = await server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.2"]}""")))
        {
            relay.EnsureSuccessStatusCode();
        }

        using var prom = StartPrometheus(prometheus, server.AdminPort, out var promPort, out var promDir);
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{promPort}") };
        try
        {
            await WaitForScrapesAsync(api, 2);

            // Traffic over several scrapes, so every rate has two samples that differ.
            for (var round = 0; round < 4; round++)
            {
                await DriveTrafficAsync(server, round);
                await Task.Delay(TimeSpan.FromSeconds(1.5));
            }

            await sink.WaitForMessagesAsync(4, Patience);
            await WaitForScrapesAsync(api, 12);

            var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(DashboardPath())).RootElement;
            var failures = new List<string>();
            var queries = 0;
            foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    queries++;
                    var expr = target.GetProperty("expr").GetString()!;
                    var answer = await api.GetFromJsonAsync<JsonElement>("/api/v1/query?query=" + Uri.EscapeDataString(expr));
                    var results = answer.GetProperty("data").GetProperty("result").EnumerateArray().ToList();
                    var numbers = results.Select(r => r.GetProperty("value")[1].GetString()).Where(v => v is not ("NaN" or "+Inf" or "-Inf")).ToList();
                    if (answer.GetProperty("status").GetString() != "success" || numbers.Count == 0)
                    {
                        failures.Add($"{panel.GetProperty("title").GetString()}: {expr} → {answer}");
                    }
                }
            }

            Assert.True(queries >= 20, $"only {queries} queries in the dashboard");

            // The ingress panel splits mail relayed onwards from inbound mail, both of which the traffic sent.
            var byDirection = await api.GetFromJsonAsync<JsonElement>("/api/v1/query?query=" + Uri.EscapeDataString("sum by (direction) (emailai_smtp_messages_accepted_total)"));
            Assert.Equal(
                ["inbound", "relay"],
                byDirection.GetProperty("data").GetProperty("result").EnumerateArray().Select(r => r.GetProperty("metric").GetProperty("direction").GetString()).Order(StringComparer.Ordinal));
            Assert.True(failures.Count == 0, "panels without data:\n" + string.Join('\n', failures));
        }
        finally
        {
            prom.Kill(entireProcessTree: true);
            await prom.WaitForExitAsync();
            Directory.Delete(promDir, recursive: true);
        }
    }

    private static async Task DriveTrafficAsync(ServerProcess server, int round)
    {
        // Submission: STARTTLS, AUTH, a message to a local account (accepted, committed).
        using (var smtp = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await smtp.ConnectAsync("127.0.0.1", server.SubmissionPort, SecureSocketOptions.StartTls);
            await smtp.AuthenticateAsync("alice@local.test", "alice-password-1");
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("alice@local.test"));
            message.To.Add(MailboxAddress.Parse("alice@local.test"));
            message.Subject = $"round {round}";
            message.Body = new TextPart("plain") { Text = "dashboard traffic" };
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(quit: true);
        }

        // Port 25 from a client that may not relay: refused (relay_denied); from the Authorised IP: relayed.
        using (var refused = await RawSmtpClient.ConnectAsync(server.SmtpPort))
        {
            await refused.CommandAsync("EHLO outsider.test");
            await refused.CommandAsync("MAIL FROM:<x@outsider.test>");
            Assert.StartsWith("554", await refused.CommandAsync("RCPT TO:<victim@elsewhere.test>"));
            await refused.CommandAsync("RCPT TO:<nobody@local.test>");
        }

        using (var relay = await RawSmtpClient.ConnectAsync(server.SmtpPort, localAddress: System.Net.IPAddress.Parse("127.0.0.2")))
        {
            await relay.CommandAsync("EHLO inside.test");
            var reply = await SmtpConversation.TransactAsync(relay, "alice@local.test", [$"bob{round}@remote.test"], Encoding.ASCII.GetBytes("Subject: out\r\n\r\nbody\r\n.\r\n"));
            Assert.StartsWith("250", reply);
        }

        // POP3 over implicit TLS: a login and a retrieval; and one refused login.
        using var pop3 = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await pop3.ConnectAsync("127.0.0.1", server.Pop3sPort, SecureSocketOptions.SslOnConnect);
        await Assert.ThrowsAsync<AuthenticationException>(() => pop3.AuthenticateAsync("alice@local.test", "wrong"));
        await pop3.AuthenticateAsync("alice@local.test", "alice-password-1");
        if (pop3.Count > 0)
        {
            await pop3.GetMessageAsync(0);
        }

        await pop3.DisconnectAsync(quit: true);
    }

    private static string FindOrInstallPrometheus() =>
        DebianPackage.FindOrInstall("prometheus", ["/usr/bin/prometheus", "/usr/local/bin/prometheus"])[0];

    private static Process StartPrometheus(string binary, int adminPort, out int port, out string directory)
    {
        port = ServerProcess.FreePort();
        directory = Directory.CreateTempSubdirectory("emailai-prom-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: emailai
                metrics_path: /metrics
                static_configs:
                  - targets: ["127.0.0.1:{adminPort}"]
            """);
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}" })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits until Prometheus has scraped the server successfully at least <paramref name="scrapes"/> times.</summary>
    private static async Task WaitForScrapesAsync(HttpClient api, int scrapes)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                var answer = await api.GetFromJsonAsync<JsonElement>("/api/v1/query?query=" + Uri.EscapeDataString("sum_over_time(up{job=\"emailai\"}[5m])"));
                var result = answer.GetProperty("data").GetProperty("result");
                if (result.GetArrayLength() > 0 && double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture) >= scrapes)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Prometheus is still starting.
            }

            Assert.True(DateTime.UtcNow < deadline, $"Prometheus did not scrape the server {scrapes} times");
            await Task.Delay(500);
        }
    }

    private static string DashboardPath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EmailAI.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory!.FullName, "deploy", "grafana", "dashboards", "emailai.json");
    }
}
