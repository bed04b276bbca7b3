using System.Text;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Tests.Routing;
using static EmailAI.Tests.Authentication.AuthenticationKit;

namespace EmailAI.Tests.Authentication;

/// <summary>ARC chain validation (RFC 8617) of messages sealed by MimeKit's ArcSigner.</summary>
public sealed class ArcVerificationTests
{
    [Fact]
    public async Task Arc_ValidChain_Passes()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("arc._domainkey.forwarder.net", KeyRecord(RsaKey));
        var message = NewMessage();
        await ArcSealAsync(message, RsaKey, "forwarder.net");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        Assert.Equal("pass", report.Arc);
    }

    [Fact]
    public async Task Arc_TwoSets_Passes()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("arc._domainkey.forwarder.net", KeyRecord(RsaKey));
        dns.Txt("arc._domainkey.list.org", KeyRecord(Ed25519Key));
        var message = NewMessage();
        await ArcSealAsync(message, RsaKey, "forwarder.net");
        await ArcSealAsync(message, Ed25519Key, "list.org");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        Assert.Equal("pass", report.Arc);
    }

    [Fact]
    public async Task Arc_BodyChangedAfterTheSeal_Fails()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("arc._domainkey.forwarder.net", KeyRecord(RsaKey));
        var message = NewMessage();
        await ArcSealAsync(message, RsaKey, "forwarder.net");
        var content = Encoding.ASCII.GetString(Bytes(message)).Replace("this is the body", "this is changed", StringComparison.Ordinal);

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Encoding.ASCII.GetBytes(content));

        Assert.Equal("fail", report.Arc);
    }

    [Fact]
    public async Task Arc_SealKeyMissing_Fails()
    {
        await using var dns = FakeDnsServer.Start();
        var message = NewMessage();
        await ArcSealAsync(message, RsaKey, "forwarder.net");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        Assert.Equal("fail", report.Arc);
    }

    [Fact]
    public async Task Arc_NoSets_IsNone()
    {
        await using var dns = FakeDnsServer.Start();

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal("none", report.Arc);
    }

    [Fact]
    public async Task Arc_OnlyAnArcSealForged_Fails()
    {
        await using var dns = FakeDnsServer.Start();
        var content = "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=forwarder.net; s=arc; b=AAAA\r\nFrom: alice@example.com\r\n\r\nbody\r\n";

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Encoding.ASCII.GetBytes(content));

        Assert.Equal("fail", report.Arc);
    }
}
