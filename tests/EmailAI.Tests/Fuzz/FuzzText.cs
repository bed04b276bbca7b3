using System.Text;

namespace EmailAI.Tests.Fuzz;

/// <summary>Octets as text for failure messages: C# literals one char per octet, and printable excerpts.</summary>
public static class FuzzText
{
    /// <summary>A C# string literal of the octets, one char per octet (Latin-1), control and 8-bit octets escaped.</summary>
    public static string Literal(ReadOnlySpan<byte> octets)
    {
        var builder = new StringBuilder(octets.Length + 2).Append('"');
        for (var i = 0; i < octets.Length; i++)
        {
            var octet = octets[i];
            var run = 1;
            while (i + run < octets.Length && octets[i + run] == octet)
            {
                run++;
            }

            if (run > 16 && octet is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\' and not (byte)'\'')
            {
                // A long run stays readable (and pasteable): "…" + new string('x', 998) + "…".
                builder.Append("\" + new string('").Append((char)octet).Append("', ").Append(run).Append(") + \"");
                i += run - 1;
                continue;
            }

            builder.Append(octet switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                < 0x20 or >= 0x7F => $"\\u{octet:X4}",
                _ => ((char)octet).ToString(),
            });
        }

        return builder.Append('"').ToString();
    }

    /// <summary>Up to <paramref name="length"/> chars of <paramref name="text"/> from <paramref name="start"/>, line ends shown.</summary>
    public static string Excerpt(string text, int start, int length = 160)
    {
        start = Math.Clamp(start, 0, text.Length);
        var piece = text.Substring(start, Math.Min(length, text.Length - start));
        return piece.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>Where two transcripts first differ, both sides shown from a little before it.</summary>
    public static string FirstDifference(string whole, string split)
    {
        var at = 0;
        while (at < whole.Length && at < split.Length && whole[at] == split[at])
        {
            at++;
        }

        var from = Math.Max(0, at - 60);
        return $"whole and split runs differ at char {at}:\n  whole: …{Excerpt(whole, from)}\n  split: …{Excerpt(split, from)}";
    }
}
