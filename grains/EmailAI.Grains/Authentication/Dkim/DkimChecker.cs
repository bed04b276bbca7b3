using System.Globalization;
using EmailAI.Contracts;
using MimeKit;
using MimeKit.Cryptography;

namespace EmailAI.Grains.Authentication.Dkim;

/// <summary>
/// Verifies the DKIM-Signature fields of one message (RFC 6376 §6.1, RFC 8463 Ed25519, RFC 8301) with MimeKit's
/// <see cref="DkimVerifier"/>, which canonicalises from the raw header and body bytes. We check the tags MimeKit
/// leaves alone (<c>v=</c>, <c>x=</c>/<c>t=</c>, the key's <c>k=</c>, <c>h=</c>, <c>t=s</c>) so that each outcome
/// says why, and keep MimeKit's answer for the cryptography. Never throws but for cancellation by the caller.
/// </summary>
internal sealed class DkimChecker(TimeProvider time)
{
    /// <summary>
    /// Signatures verified per message; the rest are reported as <c>policy</c> (not checked). Each costs a key
    /// lookup and a hash of the body: without a bound a message with thousands of signatures is a DNS and CPU
    /// amplifier (RFC 6376 §8.4, "Attacks involving extremely large messages"; §4.2 lets verifiers limit them).
    /// </summary>
    public const int MaxSignatures = 10;

    /// <summary>How far in the future a signature's <c>t=</c> may be before we refuse it (RFC 6376 §3.5 lets verifiers refuse future timestamps): clocks disagree.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(15);

    public async Task<IReadOnlyList<DkimOutcome>> VerifyAsync(MimeMessage message, DkimKeyLocator locator, CancellationToken cancellationToken)
    {
        var signatures = message.Headers.Where(h => h.Id == HeaderId.DkimSignature).ToList();
        var parsed = signatures.Take(MaxSignatures).Select(h => Check(h, message.Headers)).ToList();

        // The keys are looked up together, then the signatures are verified one by one (MimeKit reads the body for
        // each, and a MimeMessage is not safe to read concurrently).
        var lookups = parsed.Where(p => p.Outcome is null).Select(p => locator.GetKeyAsync(p.Domain, p.Selector, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(lookups);
        }
        catch (OperationCanceledException)
        {
            // Reported per signature below.
        }

        var verifier = new DkimVerifier(locator) { MinimumRsaKeyLength = DkimKeyLocator.MinimumRsaKeyBits };
        verifier.Disable(DkimSignatureAlgorithm.RsaSha1);
        var outcomes = new List<DkimOutcome>(signatures.Count);
        for (var i = 0; i < parsed.Count; i++)
        {
            outcomes.Add(parsed[i].Outcome ?? await VerifyOneAsync(verifier, locator, message, signatures[i], parsed[i], cancellationToken));
        }

        foreach (var extra in signatures.Skip(MaxSignatures))
        {
            var tags = Check(extra, message.Headers);
            outcomes.Add(new DkimOutcome("policy", tags.Domain, tags.Selector, tags.Algorithm, $"not checked: more than {MaxSignatures} signatures"));
        }

        return outcomes;
    }

    private static async Task<DkimOutcome> VerifyOneAsync(DkimVerifier verifier, DkimKeyLocator locator, MimeMessage message, Header header, Signature signature, CancellationToken cancellationToken)
    {
        DkimOutcome Outcome(string result, string? reason) => new(result, signature.Domain, signature.Selector, signature.Algorithm, reason);
        try
        {
            var key = await locator.GetKeyAsync(signature.Domain, signature.Selector, cancellationToken);
            if (key.Parameters is null)
            {
                return Outcome(key.Result, key.Reason);
            }

            // RFC 6376 §3.6.1: the key's k= must fit the signature's a=, and its h= (when given) must allow the hash.
            if (key.KeyType != signature.Algorithm.Split('-')[0])
            {
                return Outcome("permerror", "key type does not match a=");
            }

            if (key.HashAlgorithms is not null && !key.HashAlgorithms.Contains("sha256"))
            {
                return Outcome("permerror", "key does not allow sha256");
            }

            // RFC 6376 §3.6.1 t=s: the i= domain must be d= itself, not a subdomain.
            if (key.Flags.Contains("s") && signature.AuidDomain is not null && !signature.AuidDomain.Equals(signature.Domain, StringComparison.OrdinalIgnoreCase))
            {
                return Outcome("permerror", "i= is a subdomain of d= under a t=s key");
            }

            var before = locator.Calls;
            if (await verifier.VerifyAsync(message, header, cancellationToken))
            {
                return Outcome("pass", null);
            }

            // MimeKit compares the body hash first and asks for the key only when it matched.
            return Outcome("fail", locator.Calls == before ? "body hash did not verify" : "signature did not verify");
        }
        catch (DkimKeyException ex)
        {
            return Outcome(ex.Result, ex.Message);
        }
        catch (OperationCanceledException)
        {
            // Our timeout or the caller's: the caller's cancellation is rethrown by MessageAuthenticator.
            return Outcome("temperror", "timed out");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // MimeKit's FormatException for a signature it will not read, or a crypto library's for a broken b=.
            return Outcome("permerror", "malformed signature");
        }
    }

    /// <summary>The checks of RFC 6376 §6.1.1 we make before any lookup; <see cref="Signature.Outcome"/> is set when one fails.</summary>
    private Signature Check(Header header, HeaderList headers)
    {
        if (!TagList.TryParse(header.Value, out var tags))
        {
            return Signature.Failed("", "", "", "permerror", "malformed signature");
        }

        var rawDomain = TagList.Get(tags, "d") ?? "";
        var domain = EmailAddress.TryNormalizeDomain(rawDomain, out var d) ? d : rawDomain.ToLowerInvariant();
        var selector = TagList.Get(tags, "s") ?? "";
        var algorithm = (TagList.Get(tags, "a") ?? "").ToLowerInvariant();
        Signature Failed(string result, string reason) => Signature.Failed(domain, selector, algorithm, result, reason);

        if (TagList.Get(tags, "v") != "1")
        {
            return Failed("permerror", "v= is not 1");
        }

        if (rawDomain.Length == 0 || selector.Length == 0 || TagList.Get(tags, "b") is null || TagList.Get(tags, "bh") is null || TagList.Get(tags, "h") is null)
        {
            return Failed("permerror", "signature lacks a required tag");
        }

        if (d is null)
        {
            return Failed("permerror", "d= is not a domain name");
        }

        switch (algorithm)
        {
            case "rsa-sha256" or "ed25519-sha256":
                break;
            case "rsa-sha1":
                // RFC 8301 §3.1: verifiers MUST NOT consider rsa-sha1 signatures valid.
                return Failed("policy", "rsa-sha1 is not accepted");
            default:
                return Failed("permerror", "unknown algorithm");
        }

        // RFC 6376 §5.4: From MUST be signed.
        if (!TagList.Get(tags, "h")!.Split(':').Any(h => h.Trim().Equals("from", StringComparison.OrdinalIgnoreCase)))
        {
            return Failed("permerror", "From is not signed");
        }

        // RFC 6376 §8.2: with l= anyone may append to the body and keep the signature; such a signature vouches for
        // part of what a reader sees, so it does not pass here (nor count for DMARC or the white-list mark).
        if (TagList.Get(tags, "l") is not null)
        {
            return Failed("policy", "l= body length limits are not accepted");
        }

        // RFC 6376 §8.15: a displayed field that occurs more often than it is signed was added after signing (a reader
        // shows the first, unsigned Subject); the signature then does not vouch for what a reader sees.
        var signedNames = TagList.Get(tags, "h")!.Split(':').Select(h => h.Trim().ToLowerInvariant()).ToList();
        foreach (var name in DisplayedFields)
        {
            var signedCount = signedNames.Count(n => n == name);
            if (signedCount > 0 && headers.Count(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)) > signedCount)
            {
                return Failed("policy", $"unsigned {name} field added");
            }
        }

        // RFC 6376 §3.5 i=: its domain is d= or a subdomain of it.
        string? auidDomain = null;
        if (TagList.Get(tags, "i") is { } auid)
        {
            var at = auid.LastIndexOf('@');
            auidDomain = at < 0 ? "" : auid[(at + 1)..];
            if (!auidDomain.Equals(rawDomain, StringComparison.OrdinalIgnoreCase) && !auidDomain.EndsWith("." + rawDomain, StringComparison.OrdinalIgnoreCase))
            {
                return Failed("permerror", "i= is not within d=");
            }
        }

        // RFC 6376 §3.5 t= and x=: x= MUST be greater than t=; past x= the signature is expired (§6.1.1: PERMFAIL).
        var now = time.GetUtcNow();
        long? signed = null;
        if (TagList.Get(tags, "t") is { } t)
        {
            if (!long.TryParse(TagList.Compact(t), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return Failed("permerror", "malformed t=");
            }

            signed = value;
            if (DateTimeOffset.FromUnixTimeSeconds(Math.Min(value, DateTimeOffset.MaxValue.ToUnixTimeSeconds())) > now + ClockSkew)
            {
                return Failed("permerror", "signature timestamp is in the future");
            }
        }

        if (TagList.Get(tags, "x") is { } x)
        {
            if (!long.TryParse(TagList.Compact(x), NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || (signed is { } s && expires <= s))
            {
                return Failed("permerror", "malformed x=");
            }

            if (expires < now.ToUnixTimeSeconds())
            {
                return Failed("permerror", "signature expired");
            }
        }

        return new Signature(domain, selector, algorithm, auidDomain, null);
    }

    /// <summary>Fields a mail reader shows: one more instance of one of them than a signature covers breaks that signature's claim.</summary>
    private static readonly string[] DisplayedFields = ["from", "to", "cc", "subject", "date", "reply-to", "sender"];

    /// <summary>What we read from one DKIM-Signature before verifying it.</summary>
    private sealed record Signature(string Domain, string Selector, string Algorithm, string? AuidDomain, DkimOutcome? Outcome)
    {
        public static Signature Failed(string domain, string selector, string algorithm, string result, string reason) =>
            new(domain, selector, algorithm, null, new DkimOutcome(result, domain, selector, algorithm, reason));
    }
}
