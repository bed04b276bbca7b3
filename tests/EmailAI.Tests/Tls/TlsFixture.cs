using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Tls;

/// <summary>
/// One embedded server with no certificate configured (so it generates its self-signed one) and a short TLS
/// handshake timeout, shared by <see cref="TlsEndToEndTests"/>; each test uses its own domain.
/// </summary>
public sealed class TlsFixture : IAsyncLifetime
{
    public const string ServerDomain = "mx.tls.e2e.test";

    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(3);

    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["EmailAI:ServerDomain"] = ServerDomain,
        ["EmailAI:Tls:HandshakeTimeout"] = HandshakeTimeout.ToString(),
    });

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
