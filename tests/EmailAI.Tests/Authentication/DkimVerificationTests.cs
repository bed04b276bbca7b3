using System.Text;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Tests.Routing;
using Microsoft.Extensions.Time.Testing;
using static EmailAI.Tests.Authentication.AuthenticationKit;

namespace EmailAI.Tests.Authentication;

/// <summary>DKIM verification (RFC 6376, RFC 8463) of messages signed by MimeKit, keys served by the fake DNS server.</summary>
public sealed class DkimVerificationTests
{
    [Fact]
    public async Task Dkim_Rsa2048Signature_Passes()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal(("pass", "example.com", "sel", "rsa-sha256", (string?)null), (dkim.Result, dkim.Domain, dkim.Selector, dkim.Algorithm, dkim.Reason));
    }

    [Fact]
    public async Task Dkim_SubjectAddedAboveASignedSubject_PolicyNotPass()
    {
        // Regression (black-box attack, issue 13): a Subject put on top of a message whose signature covers one Subject
        // kept dkim=pass, and readers show the added one.
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        message.Subject = "original";
        Sign(message, RsaKey, "example.com");
        var bytes = Encoding.ASCII.GetBytes("Subject: INJECTED\r\n").Concat(Bytes(message)).ToArray();

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(bytes);

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal(("policy", "unsigned subject field added"), (dkim.Result, dkim.Reason));
        Assert.False(report.FromAuthenticated);
    }

    [Fact]
    public async Task Dkim_BodyLengthTag_PolicyNotPass()
    {
        // Regression (black-box attack, issue 13): with l= anyone could append to a signed body and keep the mark.
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");
        var text = Encoding.ASCII.GetString(Bytes(message)).Replace("DKIM-Signature: v=1;", "DKIM-Signature: v=1; l=15;", StringComparison.Ordinal);

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Encoding.ASCII.GetBytes(text));

        Assert.Equal(("policy", "l= body length limits are not accepted"), (report.Dkim[0].Result, report.Dkim[0].Reason));
    }

    [Fact]
    public async Task Dkim_Ed25519Signature_Passes()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("ed._domainkey.example.com", KeyRecord(Ed25519Key));
        var message = NewMessage();
        Sign(message, Ed25519Key, "example.com", "ed");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal(("pass", "ed25519-sha256"), (dkim.Result, dkim.Algorithm));
    }

    [Fact]
    public async Task Dkim_ChangedBody_FailsOnTheBodyHash()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");
        var content = Encoding.ASCII.GetString(Bytes(message)).Replace("this is the body", "this is a forged body", StringComparison.Ordinal);

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Encoding.ASCII.GetBytes(content));

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal(("fail", "body hash did not verify"), (dkim.Result, dkim.Reason));
    }

    [Fact]
    public async Task Dkim_ChangedSignedHeader_FailsOnTheSignature()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");
        var content = Encoding.ASCII.GetString(Bytes(message)).Replace("Subject: Greetings", "Subject: Pay this invoice", StringComparison.Ordinal);

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Encoding.ASCII.GetBytes(content));

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal(("fail", "signature did not verify"), (dkim.Result, dkim.Reason));
    }

    [Fact]
    public async Task Dkim_UnsignedHeaderChanged_StillPasses()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");
        var content = "X-Added-By-A-Relay: yes\r\n" + Encoding.ASCII.GetString(Bytes(message));

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Encoding.ASCII.GetBytes(content));

        Assert.Equal("pass", Assert.Single(report.Dkim).Result);
    }

    [Fact]
    public async Task Dkim_MissingKey_IsPermError()
    {
        await using var dns = FakeDnsServer.Start();
        dns.NxDomain("sel._domainkey.example.com");
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal(("permerror", "no key"), (dkim.Result, dkim.Reason));
    }

    [Fact]
    public async Task Dkim_KeyLookupServFail_IsTempError()
    {
        await using var dns = FakeDnsServer.Start();
        dns.ServFail("sel._domainkey.example.com");
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        Assert.Equal("temperror", Assert.Single(report.Dkim).Result);
    }

    [Fact]
    public async Task Dkim_RevokedKey_IsPermError()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", "v=DKIM1; k=rsa; p=");
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal(("permerror", "key revoked"), (dkim.Result, dkim.Reason));
    }

    [Fact]
    public async Task Dkim_KeyOfTheWrongType_IsPermError()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(Ed25519Key));
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        Assert.Equal("permerror", Assert.Single(report.Dkim).Result);
    }

    [Fact]
    public async Task Dkim_ExpiredSignature_IsPermError()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        Sign(message, RsaKey, "example.com", expiresAfter: TimeSpan.FromHours(1));
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(2));

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None), time: later).AuthenticateAsync(Bytes(message));

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal(("permerror", "signature expired"), (dkim.Result, dkim.Reason));
    }

    [Fact]
    public async Task Dkim_SignatureNotYetExpired_Passes()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        Sign(message, RsaKey, "example.com", expiresAfter: TimeSpan.FromDays(7));

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        Assert.Equal("pass", Assert.Single(report.Dkim).Result);
    }

    [Fact]
    public async Task Dkim_MalformedSignature_IsPermErrorWithoutALookup()
    {
        await using var dns = FakeDnsServer.Start();
        var content = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=\r\nFrom: alice@example.com\r\n\r\nbody\r\n";

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Encoding.ASCII.GetBytes(content));

        Assert.Equal("permerror", Assert.Single(report.Dkim).Result);
        Assert.DoesNotContain(dns.Queries, q => q.Name.Contains("_domainkey", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Dkim_ShortRsaKey_IsPermError()
    {
        var generator = new Org.BouncyCastle.Crypto.Generators.RsaKeyPairGenerator();
        generator.Init(new Org.BouncyCastle.Crypto.KeyGenerationParameters(new Org.BouncyCastle.Security.SecureRandom(), 512));
        var weak = generator.GenerateKeyPair();
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(weak));
        var message = NewMessage();
        Sign(message, weak, "example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal("permerror", dkim.Result);
        Assert.Contains("too short", dkim.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dkim_MoreSignaturesThanTheCap_RestNotChecked()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        for (var i = 0; i < EmailAI.Grains.Authentication.Dkim.DkimChecker.MaxSignatures + 2; i++)
        {
            Sign(message, RsaKey, "example.com");
        }

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        Assert.Equal(EmailAI.Grains.Authentication.Dkim.DkimChecker.MaxSignatures + 2, report.Dkim.Count);
        Assert.Equal(EmailAI.Grains.Authentication.Dkim.DkimChecker.MaxSignatures, report.Dkim.Count(d => d.Result == "pass"));
        Assert.Equal(2, report.Dkim.Count(d => d.Result == "policy"));
    }

    [Fact]
    public async Task Dkim_UnsignedMessage_HasNoOutcomes()
    {
        await using var dns = FakeDnsServer.Start();

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Empty(report.Dkim);
        Assert.Equal("none", report.Arc);
    }

    [Theory]
    [InlineData("; h=sha1", "key does not allow sha256")]
    [InlineData("; t=s", "i= is a subdomain of d= under a t=s key")]
    [InlineData("; t=y", null)]
    [InlineData("; h=sha1:sha256; s=email", null)]
    public async Task Dkim_KeyRecordTags_Enforced(string tags, string? reason)
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey) + tags);
        var message = NewMessage();
        var signer = new MimeKit.Cryptography.DkimSigner(RsaKey.Private, "example.com", "sel") { AgentOrUserIdentifier = "alice@mail.example.com" };
        signer.Sign(Dos, message, [MimeKit.HeaderId.From, MimeKit.HeaderId.Subject]);

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Bytes(message));

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal((reason is null ? "pass" : "permerror", reason), (dkim.Result, dkim.Reason));
    }

    [Fact]
    public async Task Dkim_AuidOutsideTheSigningDomain_IsPermError()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");
        var content = Encoding.ASCII.GetString(Bytes(message)).Replace("d=example.com;", "d=example.com; i=@bank.example;", StringComparison.Ordinal);

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None)).AuthenticateAsync(Encoding.ASCII.GetBytes(content));

        var dkim = Assert.Single(report.Dkim);
        Assert.Equal(("permerror", "i= is not within d="), (dkim.Result, dkim.Reason));
    }

    [Theory]
    [InlineData("v=DKIM1; p=")]
    [InlineData("v=DKIM1; k=rsa; p=!!notbase64!!")]
    [InlineData("v=DKIM1; k=dsa; p=AAAA")]
    [InlineData("v=DKIM1; k=rsa; s=tlsrpt; p=AAAA")]
    [InlineData("k=rsa; p=AAAA; k=rsa")]
    public void KeyRecord_Unusable_IsPermError(string record)
    {
        var key = EmailAI.Grains.Authentication.Dkim.DkimKeyLocator.Parse(record);

        Assert.NotNull(key);
        Assert.Null(key.Parameters);
        Assert.Equal("permerror", key.Result);
    }

    [Fact]
    public void KeyRecord_OtherVersion_IsNotAKeyRecord()
    {
        Assert.Null(EmailAI.Grains.Authentication.Dkim.DkimKeyLocator.Parse("v=DKIM2; p=AAAA"));
        Assert.Null(EmailAI.Grains.Authentication.Dkim.DkimKeyLocator.Parse("p=AAAA; v=DKIM1"));
    }

    [Fact]
    public void KeyRecord_PrimeModulus_ParsedWithoutACompositenessTest()
    {
        // BouncyCastle would refuse it ("RSA modulus is not composite") after a Miller-Rabin test that costs tens of
        // milliseconds per fresh key; a verifier skips that test (DkimKeyLocator.CompositenessTestsVariable).
        var prime = Org.BouncyCastle.Math.BigInteger.ProbablePrime(1024, new Org.BouncyCastle.Security.SecureRandom());

        var key = EmailAI.Grains.Authentication.Dkim.DkimKeyLocator.Parse(RsaRecord(prime.ToByteArrayUnsigned()));

        Assert.NotNull(key);
        Assert.Equal("pass", key.Result);
        Assert.NotNull(key.Parameters);
    }

    [Theory]
    [InlineData(2)] // "RSA modulus is even"
    [InlineData(3)] // "RSA modulus has a small prime factor"
    public void KeyRecord_ModulusWithASmallFactor_StillRefused(int factor)
    {
        var prime = Org.BouncyCastle.Math.BigInteger.ProbablePrime(1023, new Org.BouncyCastle.Security.SecureRandom());
        var modulus = prime.Multiply(Org.BouncyCastle.Math.BigInteger.ValueOf(factor));
        Assert.True(modulus.BitLength >= 1024); // long enough that only the factor can be what is refused

        var key = EmailAI.Grains.Authentication.Dkim.DkimKeyLocator.Parse(RsaRecord(modulus.ToByteArrayUnsigned()));

        Assert.NotNull(key);
        Assert.Null(key.Parameters);
        Assert.Equal(("permerror", "malformed public key"), (key.Result, key.Reason));
    }

    /// <summary>A DKIM key record for an RSA public key of this modulus and exponent 65537, however weak the modulus.</summary>
    private static string RsaRecord(byte[] modulus)
    {
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportParameters(new System.Security.Cryptography.RSAParameters { Modulus = modulus, Exponent = [1, 0, 1] });
        return "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }
}
