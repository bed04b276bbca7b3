namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// One embedded server with default POP3 settings (APOP off, 2 s failed-login delay, 10 failures before
/// throttling, 1 min lock lease) shared by the tests of one class; each test uses its own domain.
/// </summary>
public sealed class Pop3Fixture : IAsyncLifetime
{
    public ServerProcess Server { get; } = new();

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
