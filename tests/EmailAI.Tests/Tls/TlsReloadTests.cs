using System.Security.Authentication;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Tls;

/// <summary>
/// A configured certificate replaced while the server runs (no restart): a connected session keeps the old one and
/// goes on working, a new connection gets the new one; an expired replacement, or a key file that disappears, is
/// logged once and the last good certificate stays. The same server runs with <c>MinimumVersion=Tls13</c>.
/// </summary>
public sealed class TlsReloadTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "emailai-reload-" + Guid.NewGuid().ToString("N")[..12]);
    private ServerProcess _server = null!;
    private string _first = "";

    private string Cert => Path.Combine(_folder, "fullchain.pem");

    private string Key => Path.Combine(_folder, "privkey.pem");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _first = TestCertificates.Write(Cert, Key, "first.reload.test", rsa: true);
        _server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Tls:CertificatePath"] = Cert,
            ["EmailAI:Tls:KeyPath"] = Key,
            ["EmailAI:Tls:ReloadInterval"] = "00:00:00.200",
            ["EmailAI:Tls:MinimumVersion"] = "Tls13",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Reload_WhileConnected_OldSessionKeepsItsCertificateNewSessionsGetTheNewOne()
    {
        await using var old = await StartTlsSessionAsync();
        Assert.Equal(_first, TestCertificates.Thumbprint(old.ServerCertificate!));

        var second = TestCertificates.Write(Cert, Key, "second.reload.test");
        await WaitForLogAsync("certificate " + Cert + " loaded: CN=second.reload.test", 1);

        await using (var fresh = await StartTlsSessionAsync())
        {
            Assert.Equal(second, TestCertificates.Thumbprint(fresh.ServerCertificate!));
        }

        // The session from before the reload still works, under its own handshake's certificate.
        Assert.Equal("250 2.0.0 OK", await old.CommandAsync("NOOP"));
        Assert.Equal(_first, TestCertificates.Thumbprint(old.Ssl!.RemoteCertificate!));

        // An expired replacement: one clear line, and the second certificate stays in use.
        TestCertificates.Write(Cert, Key, "expired.reload.test", DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1));
        await WaitForLogAsync("TLS certificate file " + Cert + " not loaded: expired on", 1);
        await using (var afterExpired = await StartTlsSessionAsync())
        {
            Assert.Equal(second, TestCertificates.Thumbprint(afterExpired.ServerCertificate!));
        }

        // An unreadable (here: vanished) key: one line naming it; still the second certificate.
        File.Delete(Key);
        await WaitForLogAsync("TLS certificate file " + Key + " not loaded: unreadable", 1);
        await Task.Delay(1000);
        await using (var afterUnreadable = await StartTlsSessionAsync())
        {
            Assert.Equal(second, TestCertificates.Thumbprint(afterUnreadable.ServerCertificate!));
        }

        Assert.Equal(1, Count("not loaded: expired on"));
        Assert.Equal(1, Count("not loaded: unreadable"));
    }

    [Fact]
    public async Task MinimumVersionTls13_Tls12Client_RefusedTls13Accepted()
    {
        await using var client = await TlsLineClient.ConnectAsync(_server.SubmissionsPort);
        await Assert.ThrowsAnyAsync<Exception>(() => client.StartTlsAsync(SslProtocols.Tls12));

        await using var recent = await TlsLineClient.ConnectAsync(_server.SubmissionsPort, implicitTls: true);
        Assert.Equal(SslProtocols.Tls13, recent.Ssl!.SslProtocol);
        Assert.StartsWith("220 ", await recent.ReadReplyAsync(), StringComparison.Ordinal);
    }

    private async Task<TlsLineClient> StartTlsSessionAsync()
    {
        var client = await TlsLineClient.ConnectAsync(_server.SmtpPort);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO reload.example");
        Assert.Equal("220 2.0.0 Ready to start TLS", await client.CommandAsync("STARTTLS"));
        await client.StartTlsAsync();
        return client;
    }

    private int Count(string text) => _server.Log.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    private async Task WaitForLogAsync(string text, int count)
    {
        for (var i = 0; i < 100 && Count(text) < count; i++)
        {
            await Task.Delay(100);
        }

        Assert.True(Count(text) >= count, $"'{text}' not logged:\n{_server.Log}");
    }
}
