using EmailAI.Contracts;

namespace EmailAI.Grains.DkimSigning;

/// <summary>
/// Validates an admin's <see cref="DkimKeyRequest"/> and makes the key it asks for: generated, or imported from
/// PEM. Pure apart from the key generation's randomness; the domain grain stores what it returns.
/// </summary>
public static class DkimKeys
{
    /// <summary>Smallest RSA key accepted: RFC 8301 §3.2, signers MUST use at least 1024 bits.</summary>
    public const int MinRsaKeyBits = 1024;

    /// <summary>Largest RSA key accepted: RFC 8301 §3.2, verifiers MUST validate keys up to 4096 bits (no further).</summary>
    public const int MaxRsaKeyBits = 4096;

    /// <summary>RSA key size when none is given: RFC 8301 §3.2 recommends at least 2048 bits.</summary>
    public const int DefaultRsaKeyBits = 2048;

    /// <summary>Longest DNS name (RFC 1035 §2.3.4): the selector, <c>_domainkey</c> and the domain must fit in it.</summary>
    public const int MaxDnsNameLength = 253;

    /// <summary>Longest DNS label (RFC 1035 §2.3.4).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>Longest PEM text read for an import: a 4096-bit PKCS#1 key is about 3.3 KB; anything far larger is not a DKIM key.</summary>
    public const int MaxPemLength = 16 * 1024;

    /// <summary>The name the key record is published at (RFC 6376 §3.6.2.1).</summary>
    public static string DnsName(string selector, string domain) => $"{selector}._domainkey.{domain}";

    /// <summary>
    /// The key <paramref name="request"/> asks for, or why it cannot be made (a text for a 400). An import takes
    /// its algorithm from the key; a given <c>algorithm</c> or <c>keyBits</c> that contradicts the key is refused.
    /// </summary>
    public static (DkimSigningKey? Key, string? Error) Create(string domain, DkimKeyRequest request)
    {
        if (!TryNormalizeSelector(request.Selector, out var selector))
        {
            return (null, "selector must be a DNS name of letters, digits and hyphens (RFC 6376 §3.1), such as \"emailai1\"");
        }

        if (DnsName(selector, domain).Length > MaxDnsNameLength)
        {
            return (null, $"selector is too long: {DnsName(selector, domain)} exceeds {MaxDnsNameLength} characters");
        }

        var algorithm = request.Algorithm?.Trim().ToLowerInvariant();
        if (algorithm is not (null or DkimAlgorithms.RsaSha256 or DkimAlgorithms.Ed25519Sha256))
        {
            return (null, $"algorithm must be \"{DkimAlgorithms.RsaSha256}\" or \"{DkimAlgorithms.Ed25519Sha256}\"");
        }

        if (request.KeyBits is { } requested && (requested < MinRsaKeyBits || requested > MaxRsaKeyBits))
        {
            return (null, $"keyBits must be {MinRsaKeyBits} to {MaxRsaKeyBits} (RFC 8301 §3.2)");
        }

        if (request.PrivateKeyPem is { } pem)
        {
            return Import(domain, selector, algorithm, request.KeyBits, pem);
        }

        if (algorithm == DkimAlgorithms.Ed25519Sha256)
        {
            return request.KeyBits is null
                ? (DkimSigningKey.GenerateEd25519(domain, selector), null)
                : (null, $"keyBits applies to {DkimAlgorithms.RsaSha256} only");
        }

        return (DkimSigningKey.GenerateRsa(domain, selector, request.KeyBits ?? DefaultRsaKeyBits), null);
    }

    /// <summary>
    /// RFC 6376 §3.1: <c>selector = sub-domain *( "." sub-domain )</c>, a sub-domain being RFC 5321's
    /// <c>Let-dig [Ldh-str]</c>, each label at most <see cref="MaxLabelLength"/>. Lower-cased: DNS names are
    /// case-insensitive and the <c>s=</c> tag is compared as one.
    /// </summary>
    public static bool TryNormalizeSelector(string? text, out string selector)
    {
        selector = text?.Trim().ToLowerInvariant() ?? "";
        return selector.Length > 0 && selector.Split('.').All(IsLabel);
    }

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= MaxLabelLength
        && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
        && label[0] != '-' && label[^1] != '-';

    private static (DkimSigningKey? Key, string? Error) Import(string domain, string selector, string? algorithm, int? keyBits, string pem)
    {
        if (pem.Length > MaxPemLength)
        {
            return (null, $"privateKeyPem is longer than {MaxPemLength} characters");
        }

        DkimSigningKey key;
        try
        {
            key = DkimSigningKey.Parse(domain, selector, pem);
        }
        catch (FormatException ex)
        {
            return (null, ex.Message);
        }

        if (algorithm is not null && algorithm != key.Algorithm)
        {
            return (null, $"privateKeyPem is a key for {key.Algorithm}, not {algorithm}");
        }

        if (key.Algorithm == DkimAlgorithms.RsaSha256 && (key.KeyBits < MinRsaKeyBits || key.KeyBits > MaxRsaKeyBits))
        {
            return (null, $"privateKeyPem is a {key.KeyBits}-bit RSA key; {MinRsaKeyBits} to {MaxRsaKeyBits} bits are accepted (RFC 8301 §3.2)");
        }

        if (keyBits is { } bits && (key.Algorithm != DkimAlgorithms.RsaSha256 || bits != key.KeyBits))
        {
            return (null, $"keyBits {bits} contradicts privateKeyPem, a {key.KeyBits}-bit {key.Algorithm} key; leave keyBits out when importing");
        }

        return (key, null);
    }
}
