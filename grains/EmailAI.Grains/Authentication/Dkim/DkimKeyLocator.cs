using EmailAI.Contracts;
using EmailAI.Grains.Dns;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace EmailAI.Grains.Authentication.Dkim;

/// <summary>
/// DKIM (and ARC) public keys from TXT records at <c>selector._domainkey.domain</c> over <see cref="IDnsLookup"/>
/// (RFC 6376 §3.6.2). One instance serves one message: each key is looked up once and shared by the message's
/// DKIM signatures and ARC sets; answers are also cached by the resolver for their TTL. A key that cannot be used
/// is a <see cref="DkimKeyException"/> to MimeKit and a <see cref="DkimKey"/> with its result to us.
/// </summary>
internal sealed class DkimKeyLocator(IDnsLookup dns) : DkimPublicKeyLocatorBase
{
    /// <summary>RFC 8301 §3.2: verifiers MUST NOT consider signatures with RSA keys of less than 1024 bits valid.</summary>
    public const int MinimumRsaKeyBits = 1024;

    /// <summary>
    /// The longest <c>p=</c> (base64) read: about an 8192-bit RSA key. Parsing and verifying cost grows with the
    /// modulus (a 64 KB key held a core for 15 s), so a longer key from an attacker's DNS is refused before it is parsed.
    /// </summary>
    public const int MaxPublicKeyLength = 1500;

    /// <summary>
    /// BouncyCastle's setting for how many Miller-Rabin rounds test an RSA modulus for compositeness whenever a key is
    /// made. The test costs 24 to 57 ms for a 2048-bit key here, so a sender whose DNS serves a fresh key for every
    /// message (caching by record text cannot help) would buy that much of our CPU per message for nothing. A
    /// verifier has no use for it: the key is the signing domain's own to publish, and OpenSSL-based verifiers such
    /// as OpenDKIM never test it. At 0, BouncyCastle keeps its cheap checks (odd modulus, no small prime factor,
    /// bounded size) and a key parses in about 0.5 ms. A value the operator set in the environment is left alone.
    /// </summary>
    internal const string CompositenessTestsVariable = "Org.BouncyCastle.Rsa.MaxMRTests";

    /// <summary>
    /// How many parsed key records are kept across messages (keyed by the record's text, so a changed record is parsed
    /// anew); the keys not used for a while go first (<see cref="TwoGenerationCache{TKey, TValue}"/>).
    /// </summary>
    public const int MaxParsedKeys = 10_000;

    private static readonly TwoGenerationCache<string, DkimKey?> s_parsed = new(MaxParsedKeys, StringComparer.Ordinal);

    static DkimKeyLocator()
    {
        if (Environment.GetEnvironmentVariable(CompositenessTestsVariable) is null)
        {
            Environment.SetEnvironmentVariable(CompositenessTestsVariable, "0");
        }
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Domain, string Selector), Task<DkimKey>> _keys = [];
    private int _calls;

    /// <summary>How many times MimeKit asked for a key: it asks only after the body hash matched.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The key for <paramref name="domain"/> and <paramref name="selector"/>, looked up once per message.</summary>
    public Task<DkimKey> GetKeyAsync(string domain, string selector, CancellationToken cancellationToken)
    {
        var id = (domain.ToLowerInvariant(), selector.ToLowerInvariant());
        lock (_gate)
        {
            if (!_keys.TryGetValue(id, out var key) || key.IsCanceled || key.IsFaulted)
            {
                key = LookUpAsync(id.Item1, id.Item2, cancellationToken);
                _keys[id] = key;
            }

            return key;
        }
    }

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);

        // RFC 6376 §3.5 q=: "dns/txt" is the only method defined; a signature naming only others cannot be checked.
        if (!methods.Split(':').Any(m => m.Trim().Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
        {
            throw new DkimKeyException("permerror", "unsupported key query method");
        }

        var key = await GetKeyAsync(domain, selector, cancellationToken);
        return key.Parameters ?? throw new DkimKeyException(key.Result, key.Reason ?? "no key");
    }

    /// <summary>Only the asynchronous path is used (our verifiers are called with VerifyAsync); this one blocks.</summary>
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    private async Task<DkimKey> LookUpAsync(string domain, string selector, CancellationToken cancellationToken)
    {
        // RFC 6376 §3.1: a selector is sub-domain labels (letters, digits, hyphens; underscores are common and harmless).
        if (!EmailAddress.TryNormalizeDomain(domain, out var normalized)
            || selector.Split('.').Any(l => l.Length is 0 or > 63 || !l.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            || selector.Length + normalized.Length + "._domainkey.".Length > EmailAddress.MaxDomainLength)
        {
            return DkimKey.Error("permerror", "invalid key name");
        }

        var query = selector + "._domainkey." + normalized;

        var answer = await dns.TxtAsync(query, cancellationToken);
        switch (answer.Status)
        {
            case DnsStatus.NameNotFound or DnsStatus.NoRecords:
                // RFC 6376 §6.1.2: a key record that does not exist is PERMFAIL (no key for signature).
                return DkimKey.Error("permerror", "no key");
            case DnsStatus.TemporaryFailure:
                // RFC 6376 §6.1.2: a lookup that fails for other reasons is TEMPFAIL (key unavailable).
                return DkimKey.Error("temperror", "key lookup failed");
        }

        // RFC 6376 §3.6.2.2: several TXT records at one selector give undefined results; we take the first that is a
        // DKIM key record and report the first error when none is.
        DkimKey? first = null;
        foreach (var text in answer.Records)
        {
            var key = ParseCached(text);
            if (key is null)
            {
                continue;
            }

            if (key.Parameters is not null)
            {
                return key;
            }

            first ??= key;
        }

        return first ?? DkimKey.Error("permerror", "no DKIM key record");
    }

    /// <summary>
    /// <see cref="Parse"/>, remembered by the record's text: the DNS answer is still fetched per message (and cached by
    /// the resolver for its TTL), but parsing the same key again is what costs, so a busy sender's key is parsed once.
    /// </summary>
    internal static DkimKey? ParseCached(string text) => s_parsed.GetOrAdd(text, Parse);

    /// <summary>
    /// A key record (RFC 6376 §3.6.1); null for a record that is not one (a <c>v=</c> that is not first or not
    /// <c>DKIM1</c>: "Records beginning with a v= tag with any other value MUST be discarded").
    /// </summary>
    internal static DkimKey? Parse(string text)
    {
        if (!TagList.TryParse(text, out var tags))
        {
            return DkimKey.Error("permerror", "malformed key record");
        }

        var version = TagList.Get(tags, "v");
        if (version is not null && (tags[0].Key != "v" || version != "DKIM1"))
        {
            return null;
        }

        var p = TagList.Get(tags, "p");
        if (p is null)
        {
            return DkimKey.Error("permerror", "key record has no p=");
        }

        p = TagList.Compact(p);
        if (p.Length == 0)
        {
            // RFC 6376 §3.6.1: "An empty value means that this public key has been revoked."
            return DkimKey.Error("permerror", "key revoked");
        }

        if (p.Length > MaxPublicKeyLength)
        {
            return DkimKey.Error("permerror", "public key too long");
        }

        var keyType = TagList.Get(tags, "k") ?? "rsa";
        if (keyType is not ("rsa" or "ed25519"))
        {
            return DkimKey.Error("permerror", "unknown key type");
        }

        // RFC 6376 §3.6.1 s=: "*" or "email"; a key for other services only is not for mail.
        var services = List(TagList.Get(tags, "s"));
        if (services is not null && !services.Any(s => s is "*" or "email"))
        {
            return DkimKey.Error("permerror", "key is not for email");
        }

        AsymmetricKeyParameter parameters;
        try
        {
            // MimeKit's parser reads k= and p= only; we give it the two, validated above.
            parameters = GetPublicKey("k=" + keyType + "; p=" + p);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Attacker-supplied base64 and DER: whatever the PEM and ASN.1 readers throw, the key is malformed.
            return DkimKey.Error("permerror", "malformed public key");
        }

        if (parameters is RsaKeyParameters rsa && rsa.Modulus.BitLength < MinimumRsaKeyBits)
        {
            return DkimKey.Error("permerror", $"RSA key of {rsa.Modulus.BitLength} bits is too short");
        }

        if ((keyType == "rsa") != parameters is RsaKeyParameters || (keyType == "ed25519") != parameters is Ed25519PublicKeyParameters)
        {
            return DkimKey.Error("permerror", "malformed public key");
        }

        return new DkimKey(parameters, keyType, List(TagList.Get(tags, "h")), List(TagList.Get(tags, "t")) ?? [], "pass", null);
    }

    /// <summary>A colon-separated list (RFC 6376 §3.6.1 h=, s=, t=), lower case; null when the tag is absent.</summary>
    private static string[]? List(string? value) =>
        value?.Split(':').Select(v => TagList.Compact(v).ToLowerInvariant()).Where(v => v.Length > 0).ToArray();
}
