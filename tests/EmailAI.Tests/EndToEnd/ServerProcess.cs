using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The embedded server (silo/EmailAI.Server) run as a real child process on free loopback ports with its
/// own data directory, as an admin would run it. <see cref="Kill"/> is SIGKILL (kill -9);
/// <see cref="StartAsync"/> again reuses the same data directory and ports, so a restart sees what the
/// previous process committed.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string Token = "e2e-admin-token";

    private readonly StringBuilder _log = new();
    private readonly Dictionary<string, string> _settings;
    private readonly string _dll;
    private Process? _process;

    public ServerProcess(IDictionary<string, string>? settings = null, string? dll = null)
    {
        _dll = dll ?? ServerDll;
        DataDirectory = Path.Combine(Path.GetTempPath(), "emailai-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        SmtpPort = FreePort();
        Pop3Port = FreePort();
        AdminPort = FreePort();
        SubmissionPort = FreePort();
        SubmissionsPort = FreePort();
        Pop3sPort = FreePort();
        _settings = new Dictionary<string, string>
        {
            ["EmailAI:DataDirectory"] = DataDirectory,
            ["EmailAI:ServerDomain"] = "mx.e2e.test",
            ["EmailAI:Smtp:Port"] = SmtpPort.ToString(),
            ["EmailAI:Smtp:ListenAddress"] = "127.0.0.1",
            ["EmailAI:Pop3:Port"] = Pop3Port.ToString(),
            ["EmailAI:Pop3:ListenAddress"] = "127.0.0.1",
            ["EmailAI:Submission:Port"] = SubmissionPort.ToString(),
            ["EmailAI:Submission:ListenAddress"] = "127.0.0.1",
            ["EmailAI:Submissions:Port"] = SubmissionsPort.ToString(),
            ["EmailAI:Submissions:ListenAddress"] = "127.0.0.1",
            ["EmailAI:Pop3s:Port"] = Pop3sPort.ToString(),
            ["EmailAI:Pop3s:ListenAddress"] = "127.0.0.1",
            ["EmailAI:Admin:Port"] = AdminPort.ToString(),
            ["EmailAI:Admin:Token"] = Token,
            ["EmailAI:Cluster:SiloPort"] = FreePort().ToString(),

            // Sender authentication asks DNS about every sender; tests that are not about it run without DNS, and those
            // that are turn it on with a FakeDnsServer as EmailAI:Dns:Servers:0.
            ["EmailAI:Authentication:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }

        Admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{AdminPort}") };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public string DataDirectory { get; }

    public int SmtpPort { get; }

    public int Pop3Port { get; }

    public int AdminPort { get; }

    /// <summary>Submission with STARTTLS (587 by default).</summary>
    public int SubmissionPort { get; }

    /// <summary>Submission over implicit TLS (465 by default).</summary>
    public int SubmissionsPort { get; }

    /// <summary>POP3 over implicit TLS (995 by default).</summary>
    public int Pop3sPort { get; }

    /// <summary>An HTTP client for the admin API with the bearer token set.</summary>
    public HttpClient Admin { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>The one-process server (silo and gateway).</summary>
    public static string ServerDll => Built("silo", "EmailAI.Server");

    /// <summary>A silo-only node.</summary>
    public static string SiloDll => Built("silo", "EmailAI.Silo");

    /// <summary>A gateway-only node (Orleans client).</summary>
    public static string GatewayDll => Built("gateway", "EmailAI.GatewayHost");

    private static string Built(string folder, string project)
    {
        // tests/EmailAI.Tests/bin/<Configuration>/net10.0 → <folder>/<project>/bin/<Configuration>/net10.0
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(root, folder, project, "bin", configuration, testBin.Name, project + ".dll");
    }

    public static async Task<ServerProcess> StartNewAsync(IDictionary<string, string>? settings = null, string? dll = null)
    {
        var server = new ServerProcess(settings, dll);
        try
        {
            await server.StartAsync();
        }
        catch
        {
            // A server that never became ready is still running: it must not outlive the test that started it.
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Starts the process and waits until /readyz answers 200 (at most 60 s).</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("Already running.");
        }

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(_dll);
        foreach (var (key, value) in _settings)
        {
            info.ArgumentList.Add($"--{key}={value}");
        }

        info.Environment["DOTNET_gcServer"] = "0";
        _process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Server exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var response = await Admin.GetAsync("/readyz");
                // Up, whether or not it has the free space it wants (a test of that state starts it short of space).
                if (response.IsSuccessStatusCode
                    || (response.StatusCode == HttpStatusCode.ServiceUnavailable && (await response.Content.ReadAsStringAsync()).Contains("insufficient storage", StringComparison.Ordinal)))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Server not ready in 60 s:\n{Log}");
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or kill -9.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>Graceful stop (SIGTERM) and wait.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }
    }

    /// <summary>Creates a mailbox domain and an account through the admin API.</summary>
    public async Task ProvisionAsync(string address, string password = "password-123")
    {
        var domain = address[(address.IndexOf('@') + 1)..];
        using var domainResponse = await Admin.PutAsync($"/api/v1/domains/{domain}", Json($$$"""{"name":"{{{domain}}}","delivery":{"mode":"mailbox"}}"""));
        domainResponse.EnsureSuccessStatusCode();
        using var accountResponse = await Admin.PutAsync($"/api/v1/accounts/{address}", Json($$"""{"address":"{{address}}","password":"{{password}}"}"""));
        accountResponse.EnsureSuccessStatusCode();
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>
    /// A port nothing listens on, below Linux's ephemeral range (32768-60999): a port from that range can be
    /// taken by any outgoing connection (the server's own deliveries among them) between this check and the
    /// child process binding it. Never the same port twice in one test run.
    /// </summary>
    public static int FreePort()
    {
        lock (HandedOut)
        {
            while (true)
            {
                var port = Random.Shared.Next(20000, 32000);
                if (!HandedOut.Add(port))
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                }
            }
        }
    }

    private static readonly HashSet<int> HandedOut = [];

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        Admin.Dispose();
        await Task.Yield();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
