namespace EmailAI.Tests.EndToEnd;

/// <summary>A server started with <c>EmailAI:Pop3:EnableApop=true</c>; accounts are created by the tests, after the start.</summary>
public sealed class Pop3ApopFixture : IAsyncLifetime
{
    /// <summary>The key APOP secrets are encrypted with (32 bytes, base64), as `openssl rand -base64 32` makes one.</summary>
    public const string Key = "q8Vh3c0p2mJtq0m1pWl8b6cQ9qZy7s1c4Vx2n5Jr3aE=";

    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["EmailAI:Pop3:EnableApop"] = "true",
        ["EmailAI:Pop3:ApopSecretKey"] = Key,
        ["EmailAI:Pop3:AuthFailureDelay"] = "00:00:00",
    });

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
