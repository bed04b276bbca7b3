using System.Diagnostics.CodeAnalysis;

namespace EmailAI.Grains.Authentication;

/// <summary>
/// The tag=value lists of DKIM signatures and key records (RFC 6376 §3.2) and of DMARC records (RFC 7489 §6.4, the
/// same syntax): <c>tag-spec *( ";" tag-spec ) [ ";" ]</c>, names <c>ALPHA *(ALPHA / DIGIT / "_")</c>, values of
/// VALCHAR (%x21-3A / %x3C-7E) with folding whitespace inside kept as it is and around them trimmed.
/// </summary>
internal static class TagList
{
    private static readonly char[] Whitespace = [' ', '\t', '\r', '\n'];

    /// <summary>
    /// The tags in order, names as written (tag names are case-sensitive, RFC 6376 §3.2). False for a syntax error or
    /// a duplicate name: "if a tag name does occur more than once, the entire tag-list is invalid" (RFC 6376 §3.2).
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out List<KeyValuePair<string, string>>? tags)
    {
        tags = null;
        var parsed = new List<KeyValuePair<string, string>>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in text.Split(';'))
        {
            var trimmed = spec.Trim(Whitespace);
            if (trimmed.Length == 0)
            {
                // Only the last tag-spec may be empty (a trailing ";"); an empty one in the middle is tolerated as
                // every common verifier does.
                continue;
            }

            var equals = trimmed.IndexOf('=');
            if (equals <= 0)
            {
                return false;
            }

            var name = trimmed[..equals].TrimEnd(Whitespace);
            var value = trimmed[(equals + 1)..].TrimStart(Whitespace);
            if (!IsTagName(name) || !IsTagValue(value) || !names.Add(name))
            {
                return false;
            }

            parsed.Add(new(name, value));
        }

        tags = parsed;
        return true;
    }

    /// <summary>The value of <paramref name="name"/>, or null when the list has no such tag.</summary>
    public static string? Get(List<KeyValuePair<string, string>> tags, string name)
    {
        foreach (var (key, value) in tags)
        {
            if (key == name)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A value with every folding whitespace removed (RFC 6376 §3.2: base64 values such as b=, bh= and p= may be folded anywhere).</summary>
    public static string Compact(string value) => string.Concat(value.Where(c => !Whitespace.Contains(c)));

    private static bool IsTagName(string name) =>
        name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    // VALCHAR is %x21-3A / %x3C-7E; the DMARC and DKIM texts we read may also carry UTF-8 (RFC 6376 §3.2 allows none,
    // but a z= copy of a UTF-8 header is common), which we accept rather than discard the whole list.
    private static bool IsTagValue(string value) => value.All(c => (c > ' ' && c != ';' && c != 0x7F) || c is ' ' or '\t' or '\r' or '\n');
}
