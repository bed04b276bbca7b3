using System.Globalization;
using System.Text;

namespace EmailAI.Protocols.Common;

/// <summary>
/// Makes a value that came from a client (a HELO name, an address, a command argument, a POP3 USER name) safe
/// to write into a log: C0 controls (NUL, ESC, CR, LF, ...), DEL and C1 controls (U+0080–U+009F, CSI among
/// them) become <c>\xNN</c>; other invisible format characters (bidi overrides such as U+202E, U+2028/2029)
/// and lone surrogates become <c>\uNNNN</c>; a backslash is doubled so that an escape cannot be forged. A
/// terminal escape sequence or a forged log line therefore cannot reach the log, and the original value can
/// be read back. Printable text, non-ASCII letters included, is unchanged. <see cref="EscapeToken"/> also
/// escapes spaces, for a value that stands after a <c>key=</c> and must stay one token.
/// </summary>
public static class LogText
{
    /// <summary>Longest escaped value written; the rest is replaced by "…" (a client's line is at most 512 octets anyway).</summary>
    public const int MaxLength = 512;

    /// <summary>The escaped form of <paramref name="value"/>; an empty string for null.</summary>
    public static string Escape(string? value) => Escape(value, spaces: false);

    /// <summary>
    /// Like <see cref="Escape(string?)"/>, and a space becomes <c>\x20</c> too, so the value stays one token after
    /// its <c>user=</c> and cannot spell the rest of a line ("x from 10.0.0.1 …", possible through a SASL PLAIN
    /// identity).
    /// </summary>
    public static string EscapeToken(string? value) => Escape(value, spaces: true);

    private static string Escape(string? value, bool spaces)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (!NeedsEscaping(value, spaces) && value.Length <= MaxLength)
        {
            return value;
        }

        var builder = new StringBuilder(Math.Min(value.Length, MaxLength) + 16);
        for (var i = 0; i < value.Length && builder.Length < MaxLength; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else if (c == '\\')
            {
                builder.Append("\\\\");
            }
            else if (c <= '\u00FF' && (IsControl(c) || (spaces && c == ' ')))
            {
                builder.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else if (IsInvisible(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        if (builder.Length >= MaxLength)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }

    private static bool NeedsEscaping(string value, bool spaces)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (c == '\\' || IsControl(c) || IsInvisible(c) || (spaces && c == ' '))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsControl(char c) => c < ' ' || c is >= '\u007F' and <= '\u009F';

    private static bool IsInvisible(char c) =>
        char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Control;
}
