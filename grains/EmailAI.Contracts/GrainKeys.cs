using System.Diagnostics.CodeAnalysis;

namespace EmailAI.Contracts;

/// <summary>
/// The one place grain keys are made, all from <see cref="EmailAddress"/>'s normal form: domains by their
/// lower-case A-label (UTS #46), addresses by normalised local part + "@" + normalised domain.
/// </summary>
public static class GrainKeys
{
    /// <summary>The single relay-policy grain's key.</summary>
    public const long RelayPolicy = 0;

    /// <summary>The session-policy grain's key (a stateless worker: every silo has its own activations).</summary>
    public const long SessionPolicy = 0;

    /// <summary>The single directory grain (list of local domains) key.</summary>
    public const long Directory = 0;

    /// <summary>Longest login name kept in a throttle key; longer names (never an account: 64 + 1 + 253) are cut.</summary>
    public const int MaxThrottledNameLength = 320;

    /// <summary>
    /// Login-throttle key of one login name tried from one client: the account's address key when the name is
    /// one (so case and IDN spellings of it share a count), else the name lower-cased and cut to
    /// <see cref="MaxThrottledNameLength"/>. The client as in <see cref="ThrottleForClient"/>.
    /// </summary>
    public static string ThrottleForLogin(string loginName, System.Net.IPAddress client)
    {
        var name = TryNormalizeAddress(loginName, out var key) ? key : loginName.ToLowerInvariant();
        return "login:" + (name.Length > MaxThrottledNameLength ? name[..MaxThrottledNameLength] : name) + "|" + ClientPart(client);
    }

    /// <summary>
    /// Login-throttle key of a client address: IPv4-mapped IPv6 folded to IPv4, and an IPv6 address counted by its
    /// /64, the smallest prefix one host is commonly given (RFC 6177), or a single host could count afresh from
    /// every address it owns.
    /// </summary>
    public static string ThrottleForClient(System.Net.IPAddress address) => "ip:" + ClientPart(address);

    private static string ClientPart(System.Net.IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    /// <summary>Normalises a domain name (<see cref="EmailAddress.TryNormalizeDomain"/>); false if it is not a valid host name.</summary>
    public static bool TryNormalizeDomain(string? domain, [NotNullWhen(true)] out string? key) =>
        EmailAddress.TryNormalizeDomain(domain, out key);

    public static string Domain(string domain) =>
        TryNormalizeDomain(domain, out var key) ? key : throw new ArgumentException($"'{domain}' is not a valid domain name.", nameof(domain));

    /// <summary>
    /// The key of a local account's address (<see cref="EmailAddress.TryParseAccount"/>); false if malformed.
    /// The local part must be a dot-string without quotes: the addresses of local accounts are plain, which
    /// keeps every quoting trick out of the account namespace.
    /// </summary>
    public static bool TryNormalizeAddress(string? address, [NotNullWhen(true)] out string? key)
    {
        key = EmailAddress.TryParseAccount(address, out var parsed) ? parsed.Key : null;
        return key is not null;
    }

    public static string Address(string address) =>
        TryNormalizeAddress(address, out var key) ? key : throw new ArgumentException($"'{address}' is not a valid address.", nameof(address));

    /// <summary>Local part of a normalised address key.</summary>
    public static string LocalPartOf(string addressKey) => addressKey[..addressKey.LastIndexOf('@')];

    /// <summary>Domain of a normalised address key.</summary>
    public static string DomainOf(string addressKey) => addressKey[(addressKey.LastIndexOf('@') + 1)..];

}
