using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EmailAI.Contracts;

/// <summary>
/// The one place grain keys are made. Domains are keyed by their lower-case IDNA A-label form
/// (RFC 5890), so <c>Bücher.example</c> and <c>xn--bcher-kva.example</c> are one domain; addresses by
/// lower-cased local part (invariant culture) + "@" + normalised domain. Case-insensitive local parts
/// are what every mainstream MTA and user expects, though RFC 5321 §2.4 leaves them to the host.
/// </summary>
public static class GrainKeys
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>The single relay-policy grain's key.</summary>
    public const long RelayPolicy = 0;

    /// <summary>The single directory grain (list of local domains) key.</summary>
    public const long Directory = 0;

    /// <summary>Login-throttle key of an account.</summary>
    public static string ThrottleForAccount(string addressKey) => "account:" + addressKey;

    /// <summary>Login-throttle key of a client address (IPv4-mapped IPv6 folded to IPv4).</summary>
    public static string ThrottleForClient(System.Net.IPAddress address) =>
        "ip:" + (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>Normalises a domain name; false if it is not a valid host name.</summary>
    public static bool TryNormalizeDomain(string? domain, [NotNullWhen(true)] out string? key)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(domain) || domain.EndsWith('.') || domain.Length > 253)
        {
            return false;
        }

        try
        {
            // Lower-case first: with invariant globalization IdnMapping does not case-fold non-ASCII
            // letters, so "MÜLLER" and "müller" would otherwise become different A-labels.
            key = Idn.GetAscii(domain.ToLowerInvariant()).ToLowerInvariant();
            return key.Length <= 253 && key.Contains('.');
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static string Domain(string domain) =>
        TryNormalizeDomain(domain, out var key) ? key : throw new ArgumentException($"'{domain}' is not a valid domain name.", nameof(domain));

    /// <summary>
    /// Normalises "local@domain"; false if malformed. The local part must be a dot-atom without quotes: the
    /// addresses of local accounts are plain, which keeps every quoting trick out of the account namespace.
    /// </summary>
    public static bool TryNormalizeAddress(string? address, [NotNullWhen(true)] out string? key)
    {
        key = null;
        if (string.IsNullOrEmpty(address))
        {
            return false;
        }

        var at = address.LastIndexOf('@');
        if (at <= 0 || at > 64 || !TryNormalizeDomain(address[(at + 1)..], out var domain))
        {
            return false;
        }

        var local = address[..at];
        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..") || !local.All(IsDotAtomChar))
        {
            return false;
        }

        key = local.ToLowerInvariant() + "@" + domain;
        return true;
    }

    public static string Address(string address) =>
        TryNormalizeAddress(address, out var key) ? key : throw new ArgumentException($"'{address}' is not a valid address.", nameof(address));

    /// <summary>Local part of a normalised address key.</summary>
    public static string LocalPartOf(string addressKey) => addressKey[..addressKey.LastIndexOf('@')];

    /// <summary>Domain of a normalised address key.</summary>
    public static string DomainOf(string addressKey) => addressKey[(addressKey.LastIndexOf('@') + 1)..];

    private static bool IsDotAtomChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c == '.' || "!#$%&'*+-/=?^_`{|}~".Contains(c) || (c > 127 && char.IsLetterOrDigit(c));
}
