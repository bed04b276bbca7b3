using System.Text;

namespace EmailAI.Grains;

/// <summary>Byte-level edits of a message's header block (RFC 5322 §2.2): the body and every other field stay as they are.</summary>
public static class HeaderFields
{
    /// <summary>
    /// Removes every field named <paramref name="name"/> (case-insensitive), with its folded continuation lines,
    /// from the header block. Returns <paramref name="content"/> itself when there is none: a sender must not be
    /// able to forge a trace field this server adds.
    /// </summary>
    public static byte[] Remove(byte[] content, string name)
    {
        var prefix = Encoding.ASCII.GetBytes(name);
        var kept = default(MemoryStream);
        var position = 0;
        var removing = false;
        while (position < content.Length)
        {
            var lf = Array.IndexOf(content, (byte)'\n', position);
            var end = lf < 0 ? content.Length : lf + 1;
            var line = content.AsSpan(position, end - position);
            if (line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8))
            {
                break;
            }

            var continuation = line[0] is (byte)' ' or (byte)'\t';
            removing = continuation ? removing : IsField(line, prefix);
            if (removing && kept is null)
            {
                kept = new MemoryStream(content.Length);
                kept.Write(content, 0, position);
            }
            else if (!removing)
            {
                kept?.Write(line);
            }

            position = end;
        }

        if (kept is null)
        {
            return content;
        }

        kept.Write(content, position, content.Length - position);
        return kept.ToArray();
    }

    /// <summary>
    /// The line starts field <paramref name="name"/>: the name in any case, then optional spaces or tabs
    /// before the colon (RFC 5322 §4.5.1's obsolete syntax, which mail readers still accept).
    /// </summary>
    private static bool IsField(ReadOnlySpan<byte> line, ReadOnlySpan<byte> name)
    {
        if (line.Length <= name.Length || !Ascii.EqualsIgnoreCase(line[..name.Length], name))
        {
            return false;
        }

        var rest = line[name.Length..].TrimStart(" \t"u8);
        return rest.Length > 0 && rest[0] == (byte)':';
    }
}
