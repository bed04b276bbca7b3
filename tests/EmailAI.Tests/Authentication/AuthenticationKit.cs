using System.Net;
using DnsClient;
using EmailAI.Grains.Authentication;
using EmailAI.Grains.Authentication.Dmarc;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Grains.Dns;
using EmailAI.Tests.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace EmailAI.Tests.Authentication;

/// <summary>Keys, signed messages, a fake SPF checker and an authenticator over the fake DNS server, for the authentication tests.</summary>
internal static class AuthenticationKit
{
    /// <summary>A small list written by the tests: com, org, net, uk with co.uk, a wildcard and an exception.</summary>
    public const string TestSuffixes = "// ===BEGIN ICANN DOMAINS===\ncom\norg\nnet\nuk\nco.uk\n*.ck\n!www.ck\n// ===END ICANN DOMAINS===\n// ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n";

    private static readonly Lazy<AsymmetricCipherKeyPair> Rsa = new(() =>
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
        return generator.GenerateKeyPair();
    });

    private static readonly Lazy<AsymmetricCipherKeyPair> Ed25519 = new(() =>
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return generator.GenerateKeyPair();
    });

    public static AsymmetricCipherKeyPair RsaKey => Rsa.Value;

    public static AsymmetricCipherKeyPair Ed25519Key => Ed25519.Value;

    public static FormatOptions Dos { get; } = CreateDos();

    /// <summary>The DKIM key record of a key pair (RFC 6376 §3.6.1; RFC 8463 §4 for Ed25519's raw 32 octets).</summary>
    public static string KeyRecord(AsymmetricCipherKeyPair key) => key.Public is Ed25519PublicKeyParameters ed
        ? "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(ed.GetEncoded())
        : "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key.Public).GetEncoded());

    public static MimeMessage NewMessage(string from = "alice@example.com", string body = "Hello,\r\nthis is the body.\r\n")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("bob@receiver.net"));
        message.Subject = "Greetings";
        message.Date = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
        message.MessageId = "test@example.com";
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    public static void Sign(MimeMessage message, AsymmetricCipherKeyPair key, string domain, string selector = "sel", TimeSpan? expiresAfter = null)
    {
        var algorithm = key.Private is Ed25519PrivateKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256;
        var signer = new DkimSigner(key.Private, domain, selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            SignaturesExpireAfter = expiresAfter,
        };
        signer.Sign(Dos, message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
    }

    public static async Task ArcSealAsync(MimeMessage message, AsymmetricCipherKeyPair key, string domain, string selector = "arc")
    {
        var signer = new TestArcSigner(key.Private, domain, selector)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        await signer.SignAsync(Dos, message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date]);
    }

    public static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(Dos, stream);
        return stream.ToArray();
    }

    public static LookupClient Client(FakeDnsServer dns) =>
        new(new LookupClientOptions(new NameServer(IPAddress.Loopback, dns.Port)) { UseCache = false, Timeout = TimeSpan.FromSeconds(2), Retries = 0 });

    public static SpfOutcome SpfAnswer(SpfResult result, string domain = "example.com", string identity = "mailfrom") =>
        new(result, identity, domain, identity == "helo" ? "postmaster@" + domain : "sender@" + domain, null, "test " + result.ToString().ToLowerInvariant());

    public static MessageAuthenticator Authenticator(
        FakeDnsServer dns, SpfOutcome spf, bool dmarcReject = true, TimeProvider? time = null, Random? random = null, string suffixes = TestSuffixes, TimeSpan? timeout = null) =>
        Authenticator(new DnsClientLookup(Client(dns)), new FakeSpfChecker(spf), dmarcReject, time, random, suffixes, timeout);

    public static MessageAuthenticator Authenticator(
        IDnsLookup dns, ISpfChecker spf, bool dmarcReject = true, TimeProvider? time = null, Random? random = null, string suffixes = TestSuffixes, TimeSpan? timeout = null) =>
        new(
            spf,
            dns,
            PublicSuffixList.Parse(suffixes),
            Options.Create(new AuthenticationOptions { DmarcReject = dmarcReject, Timeout = timeout ?? TimeSpan.FromSeconds(10) }),
            time ?? TimeProvider.System,
            NullLogger<MessageAuthenticator>.Instance,
            random ?? new FixedRandom(0));

    public static Task<AuthenticationReport> AuthenticateAsync(this MessageAuthenticator authenticator, byte[] content, string mailFrom = "sender@example.com") =>
        authenticator.AuthenticateAsync(new AuthenticationRequest(IPAddress.Parse("192.0.2.10"), "mail.example.com", mailFrom, content));

    private static FormatOptions CreateDos()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }

    /// <summary>An SPF checker that answers one outcome, and counts its calls.</summary>
    public sealed class FakeSpfChecker(SpfOutcome outcome, TimeSpan? delay = null) : ISpfChecker
    {
        public int Calls;

        public async Task<SpfOutcome> CheckAsync(IPAddress client, string? helo, string mailFrom, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Calls);
            if (delay is { } wait)
            {
                await Task.Delay(wait, cancellationToken);
            }

            return outcome;
        }

        public Task<SpfOutcome> CheckHostAsync(IPAddress client, string domain, string sender, string? helo, CancellationToken cancellationToken = default) =>
            CheckAsync(client, helo, sender, cancellationToken);
    }

    /// <summary>A random source whose Next(100) is always <paramref name="value"/>: pct sampling made deterministic.</summary>
    public sealed class FixedRandom(int value) : Random
    {
        public override int Next(int maxValue) => Math.Min(value, maxValue - 1);
    }

    private sealed class TestArcSigner(AsymmetricKeyParameter key, string domain, string selector)
        : ArcSigner(key, domain, selector, key is Ed25519PrivateKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
        {
            var results = new AuthenticationResults(Domain);
            results.Results.Add(new AuthenticationMethodResult("spf", "pass"));
            return results;
        }

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(GenerateArcAuthenticationResults(options, message, cancellationToken));
    }
}
