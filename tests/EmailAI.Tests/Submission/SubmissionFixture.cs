using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Submission;

/// <summary>
/// One embedded server with every listener on its own loopback port (25, 587, 465, 110, 995 as configured
/// ports, see ServerProcess), its self-signed certificate and two accounts, for the real-client tests of issue 10.
/// </summary>
public sealed class SubmissionFixture : IAsyncLifetime
{
    public const string ServerDomain = "mx.submission.test";
    public const string Alice = "alice@submission.test";
    public const string Bob = "bob@submission.test";
    public const string Password = "alice-long-secret";

    public ServerProcess Server { get; } = new(new Dictionary<string, string> { ["EmailAI:ServerDomain"] = ServerDomain });

    public int SubmissionPort => Server.SubmissionPort;

    public int SubmissionsPort => Server.SubmissionsPort;

    public int Pop3sPort => Server.Pop3sPort;

    public async Task InitializeAsync()
    {
        await Server.StartAsync();
        await Server.ProvisionAsync(Alice, Password);
        await Server.ProvisionAsync(Bob, Password);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
