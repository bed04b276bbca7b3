using System.Text;

namespace EmailAI.Protocols.Pop3;

/// <summary>
/// Makes a value a client sent (a USER argument, an APOP name) safe to put in a log line: control
/// characters (C0, DEL, C1) become \xNN, so a name cannot clear an admin's terminal with ANSI escapes,
/// forge a log line with CR or LF, or hide behind a NUL; a space becomes \x20 too, so a value stays one
/// token after its <c>user=</c> and cannot spell the rest of a line ("x from 10.0.0.1 …", possible through
/// a SASL PLAIN identity); line and paragraph separators, bidirectional
/// overrides and lone surrogates become \uNNNN; a backslash becomes \\ so an escape in the log is never
/// ambiguous. Everything else, non-ASCII letters included, is kept as it is.
/// </summary>
public static class Pop3LogText
{
    /// <summary>Longest value logged; the rest is replaced by "…" (a command line is 255 octets at most anyway).</summary>
    public const int MaxLength = 512;

    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var text = value.Length > MaxLength ? value[..MaxLength] : value;
        if (!text.Any(NeedsEscape) && text.Length == value.Length)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (c == '\\')
            {
                builder.Append(@"\\");
            }
            else if (char.IsControl(c) || c == ' ')
            {
                builder.Append(@"\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (NeedsEscape(c))
            {
                builder.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        if (text.Length < value.Length)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(char c) =>
        c is '\\' or ' ' || char.IsControl(c) || char.IsSurrogate(c)
        || c is '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');
}
