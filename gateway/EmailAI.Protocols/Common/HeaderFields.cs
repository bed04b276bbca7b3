using System.Text;

namespace EmailAI.Protocols.Common;

/// <summary>Byte-level edits of a message's header block (RFC 5322 §2.2): the body and every other field stay as they are.</summary>
public static class HeaderFields
{
    /// <summary>
    /// Removes every field named <paramref name="name"/> (case-insensitive), with its folded continuation lines,
    /// from the header block. Returns <paramref name="content"/> itself when there is none: a sender must not be
    /// able to forge a trace field this server adds.
    /// </summary>
    public static byte[] Remove(byte[] content, string name) => RemoveWhere(content, name, static _ => true);

    /// <summary>
    /// Removes every field named <paramref name="name"/> (case-insensitive), with its folded continuation lines, for
    /// which <paramref name="remove"/> answers true when given the field's raw value: everything after the colon up
    /// to the end of its last continuation line, line endings included. Returns <paramref name="content"/> itself
    /// when nothing is removed. Used where only some instances of a field are ours to drop (RFC 8601 §5: the
    /// Authentication-Results fields that carry our authserv-id).
    /// </summary>
    public static byte[] RemoveWhere(byte[] content, string name, Func<ReadOnlyMemory<byte>, bool> remove)
    {
        var field = Encoding.ASCII.GetBytes(name);
        var kept = default(MemoryStream);
        var lines = HeaderLines(content);
        var position = 0;
        for (var i = 0; i < lines.Count;)
        {
            // One field: its first line and the continuation lines that follow it.
            var (start, _) = lines[i];
            var last = i + 1;
            while (last < lines.Count && IsContinuation(content.AsSpan(lines[last].Start, lines[last].Length)))
            {
                last++;
            }

            var end = lines[last - 1].Start + lines[last - 1].Length;
            var line = content.AsSpan(start, lines[i].Length);
            var removing = !IsContinuation(line) && IsField(line, field) && remove(content.AsMemory(ValueStart(line) + start, end - start - ValueStart(line)));
            if (removing && kept is null)
            {
                kept = new MemoryStream(content.Length);
                kept.Write(content, 0, start);
            }
            else if (!removing)
            {
                kept?.Write(content, start, end - start);
            }

            position = end;
            i = last;
        }

        if (kept is null)
        {
            return content;
        }

        kept.Write(content, position, content.Length - position);
        return kept.ToArray();
    }

    /// <summary>Where the value of a field's first line starts: just after its colon.</summary>
    private static int ValueStart(ReadOnlySpan<byte> line) => line.IndexOf((byte)':') + 1;

    /// <summary>How many fields named <paramref name="name"/> the header block holds (Received fields count hops, RFC 5321 §6.3).</summary>
    public static int Count(ReadOnlySpan<byte> content, string name)
    {
        var field = Encoding.ASCII.GetBytes(name);
        var count = 0;
        foreach (var (start, length) in HeaderLines(content))
        {
            var line = content.Slice(start, length);
            count += !IsContinuation(line) && IsField(line, field) ? 1 : 0;
        }

        return count;
    }

    /// <summary>
    /// The header block: everything before the first empty line, with its last CRLF (all of it if there is no
    /// empty line). The widest reading, for what must not survive anywhere a reader might take as a field
    /// (<see cref="Remove"/>) and for counting hops.
    /// </summary>
    public static ReadOnlySpan<byte> HeaderBlock(ReadOnlySpan<byte> content) => content[..End(HeaderLines(content))];

    /// <summary>
    /// The fields the message really starts with: the header block up to the first line that is neither a field nor
    /// a continuation (a message sent without an empty line before its body). Where fields are added
    /// (<see cref="AppendToHeader"/>) and looked up to decide whether to add them.
    /// </summary>
    public static ReadOnlySpan<byte> FieldSection(ReadOnlySpan<byte> content) => content[..End(HeaderLines(content, fieldsOnly: true))];

    /// <summary>
    /// The fields of the <see cref="FieldSection"/> for display (the admin API's view of a queued message): each name
    /// as written, and its value unfolded (the line breaks before continuation lines removed, RFC 5322 §2.2.3) and
    /// trimmed, octets read as UTF-8 with U+FFFD for what is not. Nothing here is used to decide anything.
    /// </summary>
    public static IReadOnlyList<(string Name, string Value)> Read(ReadOnlySpan<byte> content)
    {
        var fields = new List<(string Name, string Value)>();
        var lines = HeaderLines(content, fieldsOnly: true);
        for (var i = 0; i < lines.Count;)
        {
            var first = content.Slice(lines[i].Start, lines[i].Length);
            var colon = first.IndexOf((byte)':');
            var value = new StringBuilder(Encoding.UTF8.GetString(first[(colon + 1)..].TrimEnd("\r\n"u8)));
            for (i++; i < lines.Count && IsContinuation(content.Slice(lines[i].Start, lines[i].Length)); i++)
            {
                value.Append(Encoding.UTF8.GetString(content.Slice(lines[i].Start, lines[i].Length).TrimEnd("\r\n"u8)));
            }

            fields.Add((Encoding.UTF8.GetString(first[..colon]).TrimEnd(' ', '\t'), value.ToString().Trim(' ', '\t')));
        }

        return fields;
    }

    private static int End(List<(int Start, int Length)> lines) => lines.Count == 0 ? 0 : lines[^1].Start + lines[^1].Length;

    /// <summary>
    /// <paramref name="content"/> with <paramref name="fields"/> (whole fields, each ending in CRLF) inserted at the
    /// end of the <see cref="FieldSection"/>, before the empty line (after everything when there is none), as Postfix's cleanup
    /// adds the fields a submission lacks; a body that followed the fields without an empty line gets one. The
    /// rest of the content is copied unchanged.
    /// </summary>
    public static byte[] AppendToHeader(ReadOnlySpan<byte> content, ReadOnlySpan<byte> fields)
    {
        var end = FieldSection(content).Length;
        // A last header line without a line ending (only in content that did not come through DATA) gets one.
        ReadOnlySpan<byte> separator = end > 0 && content[end - 1] != (byte)'\n' ? "\r\n"u8 : [];

        // A body that followed the header with no empty line gets one, so it does not read as part of the fields.
        var rest = content[end..];
        ReadOnlySpan<byte> blank = rest.IsEmpty || rest.StartsWith("\r\n"u8) || rest.StartsWith("\n"u8) ? [] : "\r\n"u8;
        var result = new byte[content.Length + separator.Length + fields.Length + blank.Length];
        content[..end].CopyTo(result);
        separator.CopyTo(result.AsSpan(end));
        fields.CopyTo(result.AsSpan(end + separator.Length));
        blank.CopyTo(result.AsSpan(end + separator.Length + fields.Length));
        rest.CopyTo(result.AsSpan(end + separator.Length + fields.Length + blank.Length));
        return result;
    }

    /// <summary>The lines of <see cref="HeaderBlock"/> (or of <see cref="FieldSection"/>), as (start, length) with their line ending.</summary>
    private static List<(int Start, int Length)> HeaderLines(ReadOnlySpan<byte> content, bool fieldsOnly = false)
    {
        var lines = new List<(int, int)>();
        var position = 0;
        while (position < content.Length)
        {
            var lf = content[position..].IndexOf((byte)'\n');
            var length = lf < 0 ? content.Length - position : lf + 1;
            var line = content.Slice(position, length);

            // The block ends at the empty line. Fields only (FieldSection) also end at the first line that is neither
            // a field nor the continuation of one: that line is the body's first for a reader and for Postfix's cleanup.
            if (line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8)
                || (fieldsOnly && !(IsContinuation(line) ? lines.Count > 0 : StartsField(line))))
            {
                break;
            }

            lines.Add((position, length));
            position += length;
        }

        return lines;
    }

    private static bool IsContinuation(ReadOnlySpan<byte> line) => line[0] is (byte)' ' or (byte)'\t';

    /// <summary>The line starts a field: a name of printable ASCII other than the colon (RFC 5322 §3.6.8 ftext), optional blanks, a colon.</summary>
    private static bool StartsField(ReadOnlySpan<byte> line)
    {
        var name = 0;
        while (name < line.Length && line[name] is >= 33 and <= 126 and not (byte)':')
        {
            name++;
        }

        var rest = line[name..].TrimStart(" \t"u8);
        return name > 0 && rest.Length > 0 && rest[0] == (byte)':';
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
