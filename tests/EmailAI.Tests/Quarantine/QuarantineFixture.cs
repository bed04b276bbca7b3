using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Quarantine;

/// <summary>
/// One embedded server for <see cref="QuarantineEndToEndTests"/>, sweeping expired held mail every second so expiry can
/// be seen without waiting an hour. Tests use distinct domains.
/// </summary>
public sealed class QuarantineFixture : IAsyncLifetime
{
    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["EmailAI:ServerDomain"] = "mx.quarantine.test",
        ["EmailAI:Quarantine:SweepInterval"] = "00:00:01",
    });

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
