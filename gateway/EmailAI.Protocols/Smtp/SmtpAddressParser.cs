using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// Parses paths by the RFC 5321 §4.1.2 grammar; method names follow its rules. With <c>utf8</c> set, the
/// RFC 6531 §3.3 extensions are allowed (UTF-8 in atoms, quoted strings and domain labels).
/// Length limits are RFC 5321 §4.5.3.1: local part 64 octets, domain 255, path 256.
/// Anything the grammar does not produce is refused; nothing is "repaired".
/// </summary>
public static class SmtpAddressParser
{
    public const int MaxLocalPartOctets = 64;
    public const int MaxDomainOctets = 255;
    public const int MaxPathOctets = 256;

    /// <summary>Reverse-path = Path / "&lt;&gt;" (RFC 5321 §4.1.2).</summary>
    public static bool TryParseReversePath(string text, bool utf8, [NotNullWhen(true)] out SmtpPath? path, out int consumed)
    {
        if (text.StartsWith("<>", StringComparison.Ordinal))
        {
            path = SmtpPath.Null;
            consumed = 2;
            return true;
        }

        return TryParsePath(text, utf8, allowBarePostmaster: false, out path, out consumed);
    }

    /// <summary>Forward-path = Path, or "&lt;Postmaster&gt;" (RFC 5321 §4.1.1.3).</summary>
    public static bool TryParseForwardPath(string text, bool utf8, [NotNullWhen(true)] out SmtpPath? path, out int consumed) =>
        TryParsePath(text, utf8, allowBarePostmaster: true, out path, out consumed);

    private static bool TryParsePath(string text, bool utf8, bool allowBarePostmaster, [NotNullWhen(true)] out SmtpPath? path, out int consumed)
    {
        path = null;
        consumed = 0;
        var close = FindPathEnd(text);
        if (!text.StartsWith('<') || close < 0)
        {
            return false;
        }

        var inner = text[1..close];
        consumed = close + 1;
        if (System.Text.Encoding.UTF8.GetByteCount(inner) + 2 > MaxPathOctets)
        {
            return false;
        }

        if (allowBarePostmaster && inner.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            path = new SmtpPath(null, null, IsBarePostmaster: true);
            return true;
        }

        string? route = null;
        if (inner.StartsWith('@'))
        {
            // A-d-l ":" — RFC 5321 §4.1.2; accepted for compatibility and ignored (Appendix C).
            var colon = inner.IndexOf(':');
            if (colon < 0 || !IsADL(inner[..colon], utf8))
            {
                return false;
            }

            route = inner[..colon];
            inner = inner[(colon + 1)..];
        }

        if (!TryParseMailbox(inner, utf8, out var mailbox))
        {
            return false;
        }

        path = new SmtpPath(mailbox, route);
        return true;
    }

    /// <summary>
    /// Finds the '&gt;' that closes the path, skipping over a quoted local part so that <c>"a&gt;b"@x</c>
    /// is read as one address.
    /// </summary>
    internal static int FindPathEnd(string text)
    {
        var quoted = false;
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted && c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '>')
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsADL(string text, bool utf8)
    {
        foreach (var atDomain in text.Split(','))
        {
            if (atDomain.Length < 2 || atDomain[0] != '@' || !IsDomain(atDomain[1..], utf8))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Mailbox = Local-part "@" ( Domain / address-literal ).</summary>
    public static bool TryParseMailbox(string text, bool utf8, [NotNullWhen(true)] out SmtpMailbox? mailbox)
    {
        mailbox = null;
        var at = FindLocalPartEnd(text);
        if (at <= 0 || at == text.Length - 1)
        {
            return false;
        }

        var local = text[..at];
        var domain = text[(at + 1)..];
        if (!IsLocalPart(local, utf8) || System.Text.Encoding.UTF8.GetByteCount(local) > MaxLocalPartOctets)
        {
            return false;
        }

        if (domain.StartsWith('['))
        {
            if (!IsAddressLiteral(domain))
            {
                return false;
            }
        }
        else if (!IsDomain(domain, utf8))
        {
            return false;
        }

        mailbox = new SmtpMailbox(local, domain);
        return true;
    }

    /// <summary>The '@' that separates the local part from the domain: the first one outside quotes.</summary>
    private static int FindLocalPartEnd(string text)
    {
        if (!text.StartsWith('"'))
        {
            return text.IndexOf('@');
        }

        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                return i + 1 < text.Length && text[i + 1] == '@' ? i + 1 : -1;
            }
        }

        return -1;
    }

    /// <summary>Local-part = Dot-string / Quoted-string.</summary>
    public static bool IsLocalPart(string text, bool utf8) =>
        text.StartsWith('"') ? IsQuotedString(text, utf8) : IsDotString(text, utf8);

    /// <summary>Dot-string = Atom *("." Atom): no leading, trailing or doubled dots.</summary>
    public static bool IsDotString(string text, bool utf8)
    {
        if (text.Length == 0)
        {
            return false;
        }

        foreach (var atom in text.Split('.'))
        {
            if (atom.Length == 0)
            {
                return false;
            }

            foreach (var c in atom)
            {
                if (!IsAtext(c, utf8))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>atext, RFC 5322 §3.2.3; with SMTPUTF8, also UTF8-non-ascii (RFC 6531 §3.3).</summary>
    private static bool IsAtext(char c, bool utf8) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '/' or '=' or '?' or '^' or '_'
            or '`' or '{' or '|' or '}' or '~'
        || (utf8 && c > 127 && !char.IsControl(c));

    /// <summary>Quoted-string = DQUOTE *QcontentSMTP DQUOTE.</summary>
    public static bool IsQuotedString(string text, bool utf8)
    {
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            return false;
        }

        for (var i = 1; i < text.Length - 1; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                // quoted-pairSMTP = %d92 %d32-126
                if (i + 1 >= text.Length - 1 || text[i + 1] < 32 || text[i + 1] > 126)
                {
                    return false;
                }

                i++;
            }
            else if (!(c is (>= ' ' and <= '!') or (>= '#' and <= '[') or (>= ']' and <= '~') || (utf8 && c > 127 && !char.IsControl(c))))
            {
                // qtextSMTP = %d32-33 / %d35-91 / %d93-126
                return false;
            }
        }

        return true;
    }

    /// <summary>Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]. No trailing dot.</summary>
    public static bool IsDomain(string text, bool utf8)
    {
        if (text.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(text) > MaxDomainOctets)
        {
            return false;
        }

        foreach (var label in text.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                // U-labels: any non-ASCII letter, mark, digit or surrogate half; IDNA validity is checked where
                // the domain is normalised (GrainKeys), not here.
                var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-'
                    || (utf8 && c > 127 && IsUtf8LabelChar(c));
                if (!ok)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsUtf8LabelChar(char c) =>
        char.IsSurrogate(c) || char.GetUnicodeCategory(c) is
            System.Globalization.UnicodeCategory.UppercaseLetter or System.Globalization.UnicodeCategory.LowercaseLetter
            or System.Globalization.UnicodeCategory.TitlecaseLetter or System.Globalization.UnicodeCategory.ModifierLetter
            or System.Globalization.UnicodeCategory.OtherLetter or System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.SpacingCombiningMark or System.Globalization.UnicodeCategory.EnclosingMark
            or System.Globalization.UnicodeCategory.DecimalDigitNumber;

    /// <summary>address-literal = "[" ( IPv4-address-literal / IPv6-address-literal ) "]" (RFC 5321 §4.1.3).</summary>
    public static bool IsAddressLiteral(string text)
    {
        if (text.Length < 3 || text[0] != '[' || text[^1] != ']')
        {
            return false;
        }

        var inner = text[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            // Only hex digits, colons and (for the embedded IPv4 form) dots: TryParse alone would also take
            // "[::1]", "[::1]:25" and scope ids.
            var v6Text = inner[5..];
            return v6Text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
                && IPAddress.TryParse(v6Text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        }

        // IPv4-address-literal = Snum 3("." Snum): exactly four dotted decimals.
        var parts = inner.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p) <= 255);
    }
}
