using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Submission;

/// <summary>
/// One embedded server with every listener on its own loopback port (25, 587, 465, 110, 995 as configured
/// ports), its self-signed certificate and two accounts, for the real-client tests of issue 10.
/// </summary>
public sealed class SubmissionFixture : IAsyncLifetime
{
    public const string ServerDomain = "mx.submission.test";
    public const string Alice = "alice@submission.test";
    public const string Bob = "bob@submission.test";
    public const string Password = "alice-long-secret";

    public SubmissionFixture()
    {
        SubmissionPort = ServerProcess.FreePort();
        SubmissionsPort = ServerProcess.FreePort();
        Pop3sPort = ServerProcess.FreePort();
        Server = new ServerProcess(new Dictionary<string, string>
        {
            ["EmailAI:ServerDomain"] = ServerDomain,
            ["EmailAI:Submission:Enabled"] = "true",
            ["EmailAI:Submission:Port"] = SubmissionPort.ToString(),
            ["EmailAI:Submission:ListenAddress"] = "127.0.0.1",
            ["EmailAI:Submissions:Enabled"] = "true",
            ["EmailAI:Submissions:Port"] = SubmissionsPort.ToString(),
            ["EmailAI:Submissions:ListenAddress"] = "127.0.0.1",
            ["EmailAI:Pop3s:Enabled"] = "true",
            ["EmailAI:Pop3s:Port"] = Pop3sPort.ToString(),
            ["EmailAI:Pop3s:ListenAddress"] = "127.0.0.1",
        });
    }

    public ServerProcess Server { get; }

    public int SubmissionPort { get; }

    public int SubmissionsPort { get; }

    public int Pop3sPort { get; }

    public async Task InitializeAsync()
    {
        await Server.StartAsync();
        await Server.ProvisionAsync(Alice, Password);
        await Server.ProvisionAsync(Bob, Password);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
