namespace EmailAI.Tests.EndToEnd;

/// <summary>A server started with <c>EmailAI:Pop3:EnableApop=true</c>; accounts are created by the tests, after the start.</summary>
public sealed class Pop3ApopFixture : IAsyncLifetime
{
    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["EmailAI:Pop3:EnableApop"] = "true",
        ["EmailAI:Pop3:AuthFailureDelay"] = "00:00:00",
    });

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
