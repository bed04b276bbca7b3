using System.Globalization;
using System.Text;

namespace EmailAI.Grains.DkimSigning;

/// <summary>
/// Signs a message as it will be sent (RFC 6376 §5): the result is one <c>DKIM-Signature:</c> field followed by
/// the message's own octets, untouched, so what the receiver verifies is exactly what it gets. Canonicalisation
/// relaxed/relaxed (§3.4.2, §3.4.4, computed here over the raw octets rather than over a parsed and re-written
/// message, which could differ from the wire form), no <c>l=</c>, a <c>t=</c> timestamp. Stateless and thread-safe.
/// </summary>
public static class DkimMessageSigner
{
    /// <summary>The field this signer writes.</summary>
    public const string FieldName = "DKIM-Signature";

    /// <summary>
    /// The fields signed, each as often as it occurs (RFC 6376 §5.4.2: instances are taken from the bottom up).
    /// §5.4.1's recommended set, with the list fields Gmail and Microsoft require signed for bulk mail (RFC 8058 §4).
    /// </summary>
    public static readonly IReadOnlyList<string> SignedFields =
    [
        "From", "To", "Cc", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
        "In-Reply-To", "References", "List-Unsubscribe", "List-Unsubscribe-Post",
    ];

    /// <summary>
    /// Lines of the written field are kept to this many characters where a tag allows a break (RFC 5322 §2.1.1:
    /// SHOULD be no more than 78); no line can reach the 998 of the MUST, the longest unbreakable tag being a
    /// 253-character <c>d=</c>.
    /// </summary>
    public const int MaxLineLength = 78;

    /// <summary>
    /// <paramref name="message"/> with a signature by <paramref name="key"/> at <paramref name="now"/> prepended,
    /// or <paramref name="message"/> itself when it already carries a signature of that key's domain and selector
    /// (RFC 6376 §5: no second signature of ours). Throws <see cref="FormatException"/> for a header the signature
    /// could not be computed over as a receiver reads it (<see cref="RawHeader.Parse"/>).
    /// </summary>
    public static byte[] Sign(byte[] message, DkimSigningKey key, DateTimeOffset now)
    {
        var field = CreateField(message, key, now);
        if (field is null)
        {
            return message;
        }

        var result = new byte[field.Length + message.Length];
        field.CopyTo(result, 0);
        message.CopyTo(result, field.Length);
        return result;
    }

    /// <summary>
    /// The <c>DKIM-Signature:</c> field for <paramref name="message"/>, folded and ending in CRLF; null when the message
    /// already carries a signature of <paramref name="key"/>'s domain and selector.
    /// </summary>
    public static byte[]? CreateField(ReadOnlySpan<byte> message, DkimSigningKey key, DateTimeOffset now)
    {
        var header = RawHeader.Parse(message);
        if (IsSignedBy(message, header, key))
        {
            return null;
        }

        // RFC 6376 §3.7: the signed fields in h= order, each canonicalised and followed by CRLF, then this field
        // with an empty b= value and no CRLF.
        var names = SignedNames(header);
        var data = new List<byte>(1024);
        foreach (var field in SelectFields(header, names))
        {
            data.AddRange(DkimCanonicalizer.RelaxedHeader(message[field.Start..field.End]));
            data.AddRange("\r\n"u8);
        }

        var bodyHash = Convert.ToBase64String(DkimCanonicalizer.RelaxedBodyHash(message[header.BodyStart..]));
        var unsigned = FoldedTags(key, now, names, bodyHash);
        data.AddRange(DkimCanonicalizer.RelaxedHeader(Encoding.ASCII.GetBytes(unsigned)));
        var signature = Convert.ToBase64String(key.Sign([.. data]));
        return Encoding.ASCII.GetBytes(unsigned + FoldBase64(signature, LastLineLength(unsigned)) + "\r\n");
    }

    /// <summary>
    /// The h= list: each signed field as often as it occurs; <c>From</c> once more than that, so a <c>From</c> added
    /// later (above or below ours) breaks the signature instead of riding on it — §5.4's "over-signing": the extra
    /// name matches no field and is signed as the null string, so a verifier finds a field where none was.
    /// </summary>
    private static List<string> SignedNames(RawHeader header)
    {
        var names = new List<string>();
        foreach (var name in SignedFields)
        {
            var count = header.Fields.Count(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
            if (name == "From")
            {
                count++;
            }

            names.AddRange(Enumerable.Repeat(name, count));
        }

        return names;
    }

    /// <summary>RFC 6376 §5.4.2: for each name in h= order the last instance not yet taken; a name with none left selects nothing.</summary>
    private static IEnumerable<RawHeaderField> SelectFields(RawHeader header, List<string> names)
    {
        var taken = new HashSet<int>();
        foreach (var name in names)
        {
            for (var i = header.Fields.Count - 1; i >= 0; i--)
            {
                if (!taken.Contains(i) && string.Equals(header.Fields[i].Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    taken.Add(i);
                    yield return header.Fields[i];
                    break;
                }
            }
        }
    }

    /// <summary>
    /// The field up to and including <c>b=</c> (RFC 6376 §3.5 tags, b= last so that deleting its value for
    /// verification leaves exactly these octets), folded at tag boundaries and inside h= at the colons (FWS is
    /// allowed there by the sig-h-tag rule).
    /// </summary>
    private static string FoldedTags(DkimSigningKey key, DateTimeOffset now, List<string> names, string bodyHash)
    {
        var text = new StringBuilder(FieldName).Append(':');
        var column = text.Length;
        void Add(string piece, string separator)
        {
            // One column is kept free for the ';' or ':' that ends the line if the next piece goes on the next.
            if (column + separator.Length + piece.Length + 1 > MaxLineLength && column > 1)
            {
                text.Append(separator.TrimEnd()).Append("\r\n\t").Append(piece);
                column = 1 + piece.Length;
            }
            else
            {
                text.Append(separator).Append(piece);
                column += separator.Length + piece.Length;
            }
        }

        Add("v=1", " ");
        Add("a=" + key.Algorithm, "; ");
        Add("c=relaxed/relaxed", "; ");
        Add("d=" + key.Domain, "; ");
        Add("s=" + key.Selector, "; ");
        Add("t=" + now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), "; ");
        for (var i = 0; i < names.Count; i++)
        {
            // "h=From:" travels as one piece with the first name so the tag name never ends a line alone.
            Add((i == 0 ? "h=" : "") + names[i], i == 0 ? "; " : ":");
        }

        Add("bh=" + bodyHash, "; ");
        Add("b=", "; ");
        return text.ToString();
    }

    /// <summary>The base64 signature broken into lines that fit after a line holding <paramref name="column"/> characters.</summary>
    private static string FoldBase64(string value, int column)
    {
        var text = new StringBuilder();
        var position = 0;
        var room = Math.Max(MaxLineLength - column, 0);
        while (position < value.Length)
        {
            if (room == 0)
            {
                text.Append("\r\n\t");
                room = MaxLineLength - 1;
            }

            var take = Math.Min(room, value.Length - position);
            text.Append(value, position, take);
            position += take;
            room -= take;
        }

        return text.ToString();
    }

    private static int LastLineLength(string text)
    {
        var lastBreak = text.LastIndexOf("\r\n", StringComparison.Ordinal);
        // A continuation line's tab counts as one column (RFC 5322 counts characters).
        return lastBreak < 0 ? text.Length : text.Length - lastBreak - 2;
    }

    /// <summary>True when a <c>DKIM-Signature</c> field already names <paramref name="key"/>'s d= and s= (compared case-insensitively, as DNS names).</summary>
    private static bool IsSignedBy(ReadOnlySpan<byte> message, RawHeader header, DkimSigningKey key)
    {
        foreach (var field in header.Fields)
        {
            if (Tags(message, field) is { } tags
                && string.Equals(tags.GetValueOrDefault("d"), key.Domain, StringComparison.OrdinalIgnoreCase)
                && string.Equals(tags.GetValueOrDefault("s"), key.Selector, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The tags of <paramref name="field"/> by name, values with their folding whitespace removed (the first of a
    /// repeated tag), when it is a <c>DKIM-Signature</c> field; null when it is another field.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? Tags(ReadOnlySpan<byte> message, RawHeaderField field)
    {
        if (!string.Equals(field.Name, FieldName, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var canonical = Encoding.Latin1.GetString(DkimCanonicalizer.RelaxedHeader(message[field.Start..field.End]));
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in canonical[(canonical.IndexOf(':') + 1)..].Split(';'))
        {
            var equals = tag.IndexOf('=');
            if (equals >= 0)
            {
                // RFC 6376 §3.2: FWS may surround tag names and values.
                tags.TryAdd(tag[..equals].Trim(), tag[(equals + 1)..].Replace(" ", "", StringComparison.Ordinal));
            }
        }

        return tags;
    }

    /// <summary>
    /// True when <paramref name="field"/> (with its CRLF) is exactly the field <see cref="CreateField"/> makes for
    /// <paramref name="unsigned"/> with <paramref name="key"/> at the time its <c>t=</c> names: RSA (PKCS #1 v1.5) and
    /// Ed25519 signatures are deterministic, so only a signature we made over exactly this content matches.
    /// </summary>
    public static bool IsOwnSignature(ReadOnlySpan<byte> field, ReadOnlySpan<byte> unsigned, DkimSigningKey key, long unixTime)
    {
        var again = CreateField(unsigned, key, DateTimeOffset.FromUnixTimeSeconds(unixTime));
        return again is not null && field.SequenceEqual(again);
    }
}
