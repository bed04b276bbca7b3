using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace EmailAI.Grains.Authentication.Spf;

/// <summary>
/// A parsed SPF record (RFC 7208 §4.6): its directives in order, and the two modifiers that mean something
/// (<see cref="Redirect"/> §6.1 and <see cref="Explanation"/> §6.2, both unexpanded domain-specs). Unknown
/// modifiers are checked for syntax and dropped (§6). Parsing is pure and total: any text gives a record or an error.
/// </summary>
public sealed partial record SpfRecord(IReadOnlyList<SpfMechanism> Mechanisms, string? Redirect, string? Explanation)
{
    /// <summary>RFC 7208 §4.5: a TXT record is an SPF record when it starts with "v=spf1" (any case) followed by a space or its end.</summary>
    public static bool IsSpfRecord(string text) =>
        text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || text[6] == ' ');

    /// <summary>
    /// Parses a whole record, version included. Every syntax error anywhere is an error (§4.6: the whole record is
    /// checked before it is evaluated), including characters outside printable US-ASCII (§3.1, §4.6.1: terms are
    /// separated by spaces only), an unknown mechanism, a repeated <c>redirect</c> or <c>exp</c> (§6) and a bad
    /// macro (§7.1). <paramref name="error"/> says what, for the permerror's reason.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out SpfRecord? record, [NotNullWhen(false)] out string? error)
    {
        record = null;
        if (!IsSpfRecord(text))
        {
            error = "not an SPF record (no v=spf1)";
            return false;
        }

        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
            {
                error = $"character U+{(int)c:X4} is not allowed in a record";
                return false;
            }
        }

        var mechanisms = new List<SpfMechanism>();
        string? redirect = null;
        string? explanation = null;
        foreach (var term in text[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            // §4.6.1: a modifier's name is followed by "=" before any ":" or "/" appears.
            var separator = term.IndexOfAny(['=', ':', '/']);
            if (separator >= 0 && term[separator] == '=')
            {
                var name = term[..separator];
                var value = term[(separator + 1)..];
                if (!ModifierName().IsMatch(name))
                {
                    error = $"'{term}' is not a valid modifier";
                    return false;
                }

                if (name.Equals("redirect", StringComparison.OrdinalIgnoreCase) || name.Equals("exp", StringComparison.OrdinalIgnoreCase))
                {
                    var isRedirect = name.Length == 8;
                    if ((isRedirect ? redirect : explanation) is not null)
                    {
                        error = $"'{name}' appears more than once";
                        return false;
                    }

                    if (!IsValidDomainSpec(value))
                    {
                        error = $"'{term}' has an invalid domain";
                        return false;
                    }

                    if (isRedirect)
                    {
                        redirect = value;
                    }
                    else
                    {
                        explanation = value;
                    }
                }
                else if (!SpfMacroExpander.IsValid(value, explanation: false))
                {
                    // §6: unknown modifiers are ignored, but unknown-modifier = name "=" macro-string still holds.
                    error = $"'{term}' has an invalid macro";
                    return false;
                }

                continue;
            }

            if (!TryParseDirective(term, out var mechanism))
            {
                error = $"'{term}' is not a valid mechanism";
                return false;
            }

            mechanisms.Add(mechanism);
        }

        record = new SpfRecord(mechanisms, redirect, explanation);
        error = null;
        return true;
    }

    /// <summary>directive = [ qualifier ] mechanism (§4.6.1, §4.6.2; no qualifier is "+").</summary>
    private static bool TryParseDirective(string term, [NotNullWhen(true)] out SpfMechanism? mechanism)
    {
        mechanism = null;
        var qualifier = SpfResult.Pass;
        var body = term;
        if (term.Length > 0 && term[0] is '+' or '-' or '~' or '?')
        {
            qualifier = term[0] switch { '-' => SpfResult.Fail, '~' => SpfResult.SoftFail, '?' => SpfResult.Neutral, _ => SpfResult.Pass };
            body = term[1..];
        }

        var end = body.IndexOfAny([':', '/']);
        var name = (end < 0 ? body : body[..end]).ToLowerInvariant();
        var rest = end < 0 ? "" : body[end..];
        SpfMechanismKind kind;
        string? domain = null;
        IPAddress? network = null;
        int prefix4 = 32, prefix6 = 128;
        switch (name)
        {
            case "all" when rest.Length == 0:
                kind = SpfMechanismKind.All;
                break;
            case "include" or "exists" when rest.StartsWith(':') && IsValidDomainSpec(rest[1..]):
                kind = name == "include" ? SpfMechanismKind.Include : SpfMechanismKind.Exists;
                domain = rest[1..];
                break;
            case "ptr" when rest.Length == 0 || (rest.StartsWith(':') && IsValidDomainSpec(rest[1..])):
                kind = SpfMechanismKind.Ptr;
                domain = rest.Length == 0 ? null : rest[1..];
                break;
            case "a" or "mx":
                kind = name == "a" ? SpfMechanismKind.A : SpfMechanismKind.Mx;
                if (!TryParseTarget(rest, out domain, out prefix4, out prefix6))
                {
                    return false;
                }

                break;
            case "ip4" when rest.StartsWith(':'):
                kind = SpfMechanismKind.Ip4;
                if (!TryParseNetwork(rest[1..], AddressFamily.InterNetwork, out network, out prefix4))
                {
                    return false;
                }

                break;
            case "ip6" when rest.StartsWith(':'):
                kind = SpfMechanismKind.Ip6;
                if (!TryParseNetwork(rest[1..], AddressFamily.InterNetworkV6, out network, out prefix6))
                {
                    return false;
                }

                break;
            default:
                return false;
        }

        mechanism = new SpfMechanism(qualifier, kind, domain, network, prefix4, prefix6, term);
        return true;
    }

    /// <summary><c>a</c> and <c>mx</c>: [ ":" domain-spec ] [ dual-cidr-length ] (§5.3, §5.4), the CIDR split off the end.</summary>
    private static bool TryParseTarget(string rest, out string? domain, out int prefix4, out int prefix6)
    {
        domain = null;
        prefix4 = 32;
        prefix6 = 128;
        var match = DualCidr().Match(rest);
        var target = rest[..match.Index];
        if (match.Groups["v4"].Success && !TryParsePrefix(match.Groups["v4"].Value, 32, out prefix4))
        {
            return false;
        }

        if (match.Groups["v6"].Success && !TryParsePrefix(match.Groups["v6"].Value, 128, out prefix6))
        {
            return false;
        }

        if (target.Length == 0)
        {
            return true;
        }

        if (!target.StartsWith(':') || !IsValidDomainSpec(target[1..]))
        {
            return false;
        }

        domain = target[1..];
        return true;
    }

    /// <summary>ip4-network [ ip4-cidr-length ] or ip6-network [ ip6-cidr-length ] (§5.6): strict text forms.</summary>
    private static bool TryParseNetwork(string text, AddressFamily family, [NotNullWhen(true)] out IPAddress? network, out int prefix)
    {
        network = null;
        var max = family == AddressFamily.InterNetwork ? 32 : 128;
        prefix = max;
        var slash = text.IndexOf('/');
        var address = slash < 0 ? text : text[..slash];
        if (slash >= 0 && !TryParsePrefix(text[(slash + 1)..], max, out prefix))
        {
            return false;
        }

        var valid = family == AddressFamily.InterNetwork
            ? Ip4Network().IsMatch(address)
            : address.Length > 1 && address.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.');
        if (!valid || !IPAddress.TryParse(address, out var parsed) || parsed.AddressFamily != family)
        {
            return false;
        }

        network = parsed;
        return true;
    }

    /// <summary>ip4-cidr-length / ip6-cidr-length: "0" or a number without leading zeros, at most <paramref name="max"/>.</summary>
    private static bool TryParsePrefix(string text, int max, out int prefix)
    {
        prefix = max;
        return text.Length is > 0 and <= 3
            && text.All(char.IsAsciiDigit)
            && (text == "0" || text[0] != '0')
            && int.TryParse(text, out prefix)
            && prefix <= max;
    }

    /// <summary>
    /// domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand (§7.1). The
    /// toplabel rule refuses names that cannot be a host's (a single label, a numeric top label).
    /// </summary>
    public static bool IsValidDomainSpec(string spec)
    {
        if (spec.Length == 0 || !SpfMacroExpander.IsValid(spec, explanation: false))
        {
            return false;
        }

        if (spec.EndsWith('}') || spec.EndsWith("%%", StringComparison.Ordinal) || spec.EndsWith("%_", StringComparison.Ordinal) || spec.EndsWith("%-", StringComparison.Ordinal))
        {
            return true;
        }

        var trimmed = spec.EndsWith('.') ? spec[..^1] : spec;
        var dot = trimmed.LastIndexOf('.');
        return dot >= 0 && TopLabel().IsMatch(trimmed[(dot + 1)..]);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.-]*$")]
    private static partial Regex ModifierName();

    [GeneratedRegex("(?:/(?<v4>[0-9]+))?(?://(?<v6>[0-9]+))?$")]
    private static partial Regex DualCidr();

    [GeneratedRegex("^(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$")]
    private static partial Regex Ip4Network();

    /// <summary>toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) (§7.1).</summary>
    [GeneratedRegex("^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])$")]
    private static partial Regex TopLabel();
}
