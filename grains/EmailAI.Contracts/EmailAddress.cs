using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Contracts;

/// <summary>
/// A mail address in the one normalised form that every key, comparison and lookup uses: maildrop and
/// account keys, white-list entries, the recipient policy, ingest and delivery all make their keys here.
/// <list type="bullet">
/// <item>The domain is mapped as UTS #46 says (nontransitional processing, STD3 rules: full-width letters
/// and ideographic full stops fold to ASCII, upper case folds to lower case, soft hyphens vanish) and stored
/// as its lower-case A-label (RFC 5890), so <c>Bücher.example</c>, <c>ＢＵＣＨＥＲ.example</c> with an umlaut and
/// <c>xn--bcher-kva.example</c> are one domain. A trailing dot is refused (RFC 5321 §4.1.2 has none), and so
/// is anything that is an IP address rather than a host name (all-numeric last label, or a bracketed
/// literal): an address literal is never a local domain.</item>
/// <item>The local part is lower-cased (invariant culture): case-insensitive local parts are what every
/// mainstream MTA and user expects, though RFC 5321 §2.4 leaves them to the host. A quoted local part is
/// unquoted (quoted-pairs resolved) when what it quotes is a plain dot-string — <c>"Alice"</c> and
/// <c>alice</c> are one mailbox (RFC 5321 §4.1.2); any other quoted form keeps its quotes and so never
/// equals an account's local part, which is always plain.</item>
/// </list>
/// Immutable; equality is by the normalised form.
/// </summary>
public sealed record EmailAddress
{
    /// <summary>RFC 5321 §4.5.3.1.1: at most 64 octets of local part.</summary>
    public const int MaxLocalPartOctets = 64;

    /// <summary>RFC 5321 §4.5.3.1.2: at most 255 octets of domain; DNS names hold 253 characters.</summary>
    public const int MaxDomainLength = 253;

    // ICU's UTS #46 implementation (the processes run with ICU, not invariant globalization).
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    private EmailAddress(string localPart, string domain)
    {
        LocalPart = localPart;
        Domain = domain;
    }

    /// <summary>The normalised local part: lower case; quoted only when it cannot be written unquoted.</summary>
    public string LocalPart { get; }

    /// <summary>The normalised domain: a lower-case A-label host name.</summary>
    public string Domain { get; }

    /// <summary><c>local@domain</c> in normalised form: the key of a maildrop, account or white-list entry.</summary>
    public string Key => LocalPart + "@" + Domain;

    /// <summary>True when the local part is a plain dot-string, the only form a local account has.</summary>
    public bool IsPlain => !LocalPart.StartsWith('"');

    public override string ToString() => Key;

    /// <summary>
    /// Normalises a host name (U-label or A-label form); false if it is not a valid host name under UTS #46
    /// with STD3 rules, ends in a dot, has a single label, is over 253 characters, or is an IP address.
    /// </summary>
    public static bool TryNormalizeDomain(string? domain, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (string.IsNullOrWhiteSpace(domain) || domain.Length > 4 * MaxDomainLength || domain.StartsWith('['))
        {
            return false;
        }

        if (!TryMapPlainAscii(domain, out var ascii) && !TryMapWithIcu(domain, out ascii))
        {
            return false;
        }

        // The mapping turns full stops of other scripts (U+3002, U+FF0E, U+FF61) into dots, so the checks
        // for a trailing dot and for labels come after it.
        if (ascii.Length > MaxDomainLength || ascii.EndsWith('.') || !ascii.Contains('.'))
        {
            return false;
        }

        var last = ascii[(ascii.LastIndexOf('.') + 1)..];
        if (last.All(char.IsAsciiDigit))
        {
            // 192.0.2.1 is an address, not a name (RFC 3696 §2: a TLD is never all-numeric).
            return false;
        }

        normalized = ascii;
        return true;
    }

    /// <summary>
    /// UTS #46 mapping by ICU: any Unicode input, A-labels checked by decoding them. False if ICU refuses it.
    /// </summary>
    internal static bool TryMapWithIcu(string domain, [NotNullWhen(true)] out string? ascii)
    {
        try
        {
            ascii = Idn.GetAscii(domain).ToLowerInvariant();
            return true;
        }
        catch (ArgumentException)
        {
            ascii = null;
            return false;
        }
    }

    /// <summary>
    /// The common case without a call into ICU: every label is 1–63 ASCII letters, digits and hyphens, with no
    /// hyphen at either end and no "--" anywhere (so no A-label, which must be decoded to be checked). For such
    /// a name UTS #46 with STD3 rules is exactly lower-casing. False (not "invalid") for anything else, which
    /// then goes to ICU; property tests check that both paths agree.
    /// </summary>
    internal static bool TryMapPlainAscii(string domain, [NotNullWhen(true)] out string? ascii)
    {
        ascii = null;
        var labelLength = 0;
        var previous = '.';
        foreach (var c in domain)
        {
            if (c == '.')
            {
                if (labelLength == 0 || previous == '-')
                {
                    return false;
                }

                labelLength = 0;
            }
            else if (char.IsAsciiLetterOrDigit(c) || (c == '-' && labelLength > 0 && previous != '-'))
            {
                if (++labelLength > 63)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }

            previous = c;
        }

        if (labelLength == 0 || previous == '-')
        {
            return false;
        }

        ascii = domain.ToLowerInvariant();
        return true;
    }

    /// <summary>
    /// The normalised form of a local part in its wire form (as the SMTP parser keeps it, quotes included).
    /// The input must already be a valid RFC 5321 Local-part.
    /// </summary>
    public static string NormalizeLocalPart(string wireLocalPart)
    {
        if (!wireLocalPart.StartsWith('"'))
        {
            return wireLocalPart.ToLowerInvariant();
        }

        var inner = Unquote(wireLocalPart);
        return SmtpAddressParser.IsDotString(inner, utf8: true) ? inner.ToLowerInvariant() : wireLocalPart.ToLowerInvariant();
    }

    /// <summary>From the parts of a parsed SMTP mailbox; false if the domain is not a valid host name.</summary>
    public static bool TryCreate(string wireLocalPart, string domain, [NotNullWhen(true)] out EmailAddress? address)
    {
        address = null;
        if (!SmtpAddressParser.IsLocalPart(wireLocalPart, utf8: true)
            || Encoding.UTF8.GetByteCount(wireLocalPart) > MaxLocalPartOctets
            || !TryNormalizeDomain(domain, out var normalizedDomain))
        {
            return false;
        }

        address = new EmailAddress(NormalizeLocalPart(wireLocalPart), normalizedDomain);
        return true;
    }

    /// <summary>Parses <c>local@domain</c> (a quoted local part allowed, as in SMTP); false if malformed.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out EmailAddress? address)
    {
        address = null;
        var at = text?.LastIndexOf('@') ?? -1;
        return at > 0 && TryCreate(text![..at], text[(at + 1)..], out address);
    }

    /// <summary>
    /// Parses the address of a local account: like <see cref="TryParse"/>, but the local part must be written
    /// as a plain dot-string. Account addresses are plain, which keeps every quoting trick out of the account
    /// namespace.
    /// </summary>
    public static bool TryParseAccount(string? text, [NotNullWhen(true)] out EmailAddress? address)
    {
        address = null;
        var at = text?.LastIndexOf('@') ?? -1;
        return at > 0 && !text![..at].StartsWith('"') && TryCreate(text[..at], text[(at + 1)..], out address);
    }

    /// <summary>The content of a quoted string with its quoted-pairs resolved (RFC 5321 §4.1.2).</summary>
    private static string Unquote(string quoted)
    {
        var builder = new StringBuilder(quoted.Length);
        for (var i = 1; i < quoted.Length - 1; i++)
        {
            if (quoted[i] == '\\' && i + 1 < quoted.Length - 1)
            {
                i++;
            }

            builder.Append(quoted[i]);
        }

        return builder.ToString();
    }
}
