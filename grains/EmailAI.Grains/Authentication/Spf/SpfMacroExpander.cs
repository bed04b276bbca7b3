using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Text;

namespace EmailAI.Grains.Authentication.Spf;

/// <summary>
/// Macro expansion of RFC 7208 §7: <c>%{letter digits r delimiters}</c>, <c>%%</c>, <c>%_</c> and <c>%-</c>. Pure:
/// no DNS here (<c>%{p}</c> takes the validated name the caller looked up). Never throws; a string that breaks the
/// grammar is refused, which the caller turns into a permerror (or, for an explanation, into no explanation).
/// </summary>
public static class SpfMacroExpander
{
    /// <summary>RFC 7208 §7.1: delimiter = "." / "-" / "+" / "," / "/" / "_" / "=".</summary>
    private const string Delimiters = ".-+,/_=";

    /// <summary>RFC 7208 §7.1 macro-letter; the last three (c, r, t) only in explanation text (§7.3).</summary>
    private const string Letters = "slodiphv";

    private const string ExplanationOnlyLetters = "crt";

    /// <summary>
    /// Expands <paramref name="text"/>. <paramref name="explanation"/>: the text of an <c>exp=</c> TXT record
    /// (explain-string, §6.2): spaces allowed and the letters c, r and t too. False: a domain-spec or the value of a
    /// modifier. Letters in upper case are URL-escaped after expansion (§7.3).
    /// </summary>
    public static bool TryExpand(string text, SpfMacroContext context, bool explanation, [NotNullWhen(true)] out string? expanded)
    {
        expanded = null;
        var result = new StringBuilder(text.Length + 32);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '%')
            {
                // macro-literal = %x21-24 / %x26-7E (§7.1); an explain-string also has SP (§6.2).
                if (c is < '\x21' or > '\x7e' && !(explanation && c == ' '))
                {
                    return false;
                }

                result.Append(c);
                i++;
                continue;
            }

            if (i + 1 >= text.Length)
            {
                return false;
            }

            switch (text[i + 1])
            {
                case '%':
                    result.Append('%');
                    i += 2;
                    continue;
                case '_':
                    result.Append(' ');
                    i += 2;
                    continue;
                case '-':
                    result.Append("%20");
                    i += 2;
                    continue;
                case '{':
                    var close = text.IndexOf('}', i + 2);
                    if (close < 0 || !TryExpandMacro(text.AsSpan(i + 2, close - i - 2), context, explanation, result))
                    {
                        return false;
                    }

                    i = close + 1;
                    continue;
                default:
                    // §7.1: a '%' followed by anything else is a syntax error.
                    return false;
            }
        }

        expanded = result.ToString();
        return true;
    }

    /// <summary>Whether <paramref name="text"/> follows the macro-string grammar (§7.1), expanded against placeholder values.</summary>
    public static bool IsValid(string text, bool explanation) => TryExpand(text, Placeholder, explanation, out _);

    /// <summary>Whether expanding <paramref name="text"/> needs the client's validated name (<c>%{p}</c>), which costs DNS lookups.</summary>
    public static bool UsesValidatedDomain(string text) =>
        text.Contains("%{p", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The <c>%{i}</c> form of an address (§7.3): IPv4 dotted-quad, IPv6 as 32 dot-separated lower-case nibbles
    /// (2001:db8::cb01 → 2.0.0.1.0.d.b.8.0.0…c.b.0.1).
    /// </summary>
    public static string DottedAddress(System.Net.IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        var nibbles = new StringBuilder(63);
        foreach (var b in bytes)
        {
            if (nibbles.Length > 0)
            {
                nibbles.Append('.');
            }

            nibbles.Append("0123456789abcdef"[b >> 4]).Append('.').Append("0123456789abcdef"[b & 0xF]);
        }

        return nibbles.ToString();
    }

    private static readonly SpfMacroContext Placeholder = new(System.Net.IPAddress.Loopback, "postmaster@example.com", "example.com", "example.com", null, null, 0);

    /// <summary>macro-expand inside the braces: macro-letter transformers *delimiter (§7.1).</summary>
    private static bool TryExpandMacro(ReadOnlySpan<char> macro, SpfMacroContext context, bool explanation, StringBuilder result)
    {
        if (macro.Length == 0)
        {
            return false;
        }

        var letter = char.ToLowerInvariant(macro[0]);
        var escape = char.IsAsciiLetterUpper(macro[0]);
        if (Letters.IndexOf(letter) < 0 && !(explanation && ExplanationOnlyLetters.IndexOf(letter) >= 0))
        {
            return false;
        }

        // transformers = *DIGIT [ "r" ]: the DIGITs keep that many right-hand parts and must not be zero.
        var i = 1;
        var keep = 0;
        var hasDigits = false;
        while (i < macro.Length && char.IsAsciiDigit(macro[i]))
        {
            hasDigits = true;
            keep = Math.Min(keep * 10 + (macro[i] - '0'), 1000); // more parts than any name has: all of them
            i++;
        }

        if (hasDigits && keep == 0)
        {
            return false;
        }

        var reverse = false;
        if (i < macro.Length && macro[i] is 'r' or 'R')
        {
            reverse = true;
            i++;
        }

        var delimiters = macro[i..];
        foreach (var d in delimiters)
        {
            if (Delimiters.IndexOf(d) < 0)
            {
                return false;
            }
        }

        var value = Value(letter, context);
        if (hasDigits || reverse || delimiters.Length > 0)
        {
            // §7.3: split on any of the delimiters (default "."), reverse, keep the right-most parts, join with ".".
            var parts = value.Split(delimiters.Length > 0 ? delimiters.ToArray() : ['.']);
            if (reverse)
            {
                Array.Reverse(parts);
            }

            if (hasDigits && keep < parts.Length)
            {
                parts = parts[^keep..];
            }

            value = string.Join('.', parts);
        }

        result.Append(escape ? Uri.EscapeDataString(value) : value);
        return true;
    }

    private static string Value(char letter, SpfMacroContext context)
    {
        var at = context.Sender.LastIndexOf('@');
        return letter switch
        {
            's' => context.Sender,
            'l' => at < 0 ? "postmaster" : context.Sender[..at],
            'o' => at < 0 ? context.Sender : context.Sender[(at + 1)..],
            'd' => context.Domain,
            'i' => DottedAddress(context.Client),
            'p' => context.ValidatedDomain ?? "unknown",
            'v' => context.Client.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
            'h' => string.IsNullOrEmpty(context.Helo) ? "unknown" : context.Helo,
            'c' => context.Client.ToString(),
            'r' => string.IsNullOrEmpty(context.Receiver) ? "unknown" : context.Receiver,
            't' => context.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "",
        };
    }
}
