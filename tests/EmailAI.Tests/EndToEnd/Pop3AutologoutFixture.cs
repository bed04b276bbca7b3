namespace EmailAI.Tests.EndToEnd;

/// <summary>A server whose POP3 autologout timer is 2 s (<c>EmailAI:Pop3:AutologoutTimeout=00:00:02</c>).</summary>
public sealed class Pop3AutologoutFixture : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public ServerProcess Server { get; } = new(new Dictionary<string, string> { ["EmailAI:Pop3:AutologoutTimeout"] = "00:00:02" });

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
