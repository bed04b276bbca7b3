using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Auth;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Tls;

/// <summary>
/// RFC 3207 §4.2 for AUTH: a client that authenticated in clear (only possible with AllowInsecureAuth) and then
/// starts TLS is a stranger again after the handshake, so a man in the middle who let the clear-text AUTH through
/// cannot hand the encrypted session an identity it did not prove under TLS.
/// </summary>
public sealed class StartTlsAfterAuthTests
{
    [Theory]
    [ChunkSizes]
    public async Task AuthInClearThenStartTls_IdentityForgotten_MailNeedsAuthAgain(int chunkSize)
    {
        var context = new SmtpSessionContext(SmtpEndpoint.Submission, TlsAvailable: true, Credentials: new FakeCredentialVerifier());
        var driver = new SmtpTlsDriver(context, o => o.AllowInsecureAuth = true);

        await driver.SendAsync($"EHLO client.example\r\nAUTH PLAIN {SmtpAuthHarness.AlicePlain}\r\n", chunkSize);
        Assert.Contains("235 2.7.0 Authentication successful\r\n", driver.Wire);
        Assert.True(driver.Session.Info.Authenticated);

        await driver.SendAsync("STARTTLS\r\n", chunkSize);
        driver.Handshake();

        Assert.False(driver.Session.Info.Authenticated);
        var before = driver.Wire.Length;
        await driver.SendAsync("EHLO client.example\r\nMAIL FROM:<alice@example.com>\r\n", chunkSize);
        Assert.EndsWith("250 AUTH PLAIN LOGIN SCRAM-SHA-256\r\n530 5.7.0 Authentication required\r\n", driver.Wire[before..]);
    }
}
