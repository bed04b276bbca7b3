using System.Security.Cryptography;

namespace EmailAI.Grains.DkimSigning;

/// <summary>
/// The "relaxed" canonicalisations of RFC 6376 over raw octets, as a verifier applies them to what it receives:
/// nothing is decoded, re-encoded or normalised beyond what §3.4.2 and §3.4.4 say.
/// </summary>
public static class DkimCanonicalizer
{
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    /// <summary>
    /// RFC 6376 §3.4.2, one field (<paramref name="field"/> from its name to the end of its last line, no final
    /// CRLF): the name lower-cased; the value unfolded (every CRLF removed, a CRLF in a field always being followed by
    /// WSP); each WSP run turned into one SP; WSP at the value's end and around the colon removed. The result is
    /// <c>name:value</c>, without a CRLF (§3.7 adds one to each signed field, none to the signature's own).
    /// </summary>
    public static byte[] RelaxedHeader(ReadOnlySpan<byte> field)
    {
        var colon = field.IndexOf((byte)':');
        var name = field[..colon].TrimEnd(" \t"u8);
        var output = new List<byte>(field.Length);
        foreach (var octet in name)
        {
            output.Add(octet is >= (byte)'A' and <= (byte)'Z' ? (byte)(octet + 32) : octet);
        }

        output.Add((byte)':');
        var pendingSpace = false;
        var value = field[(colon + 1)..];
        for (var i = 0; i < value.Length; i++)
        {
            var octet = value[i];
            if (octet == '\r' && i + 1 < value.Length && value[i + 1] == '\n')
            {
                // Unfolding: the WSP after this CRLF becomes (part of) the run below.
                i++;
                continue;
            }

            if (RawHeader.IsWsp(octet))
            {
                pendingSpace = true;
                continue;
            }

            // A run of WSP is one SP, except right after the colon; at the end it is dropped by never being written.
            if (pendingSpace && output.Count > name.Length + 1)
            {
                output.Add((byte)' ');
            }

            pendingSpace = false;
            output.Add(octet);
        }

        return [.. output];
    }

    /// <summary>
    /// The SHA-256 hash of <paramref name="body"/> in RFC 6376 §3.4.4 relaxed form: WSP at line ends ignored, WSP
    /// runs inside a line made one SP, empty lines at the end ignored, a CRLF added after a last line that has
    /// none. An empty body, or one of empty lines only, hashes as the empty string.
    /// </summary>
    public static byte[] RelaxedBodyHash(ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var line = new List<byte>();
        var emptyLines = 0;
        var position = 0;
        while (position < body.Length)
        {
            var at = body[position..].IndexOf("\r\n"u8);
            var end = at < 0 ? body.Length : position + at;
            RelaxedLine(body[position..end], line);
            if (line.Count == 0)
            {
                // Held back: empty lines count only when a line with content follows them.
                emptyLines++;
            }
            else
            {
                for (; emptyLines > 0; emptyLines--)
                {
                    hash.AppendData(CrLf);
                }

                hash.AppendData([.. line]);
                hash.AppendData(CrLf);
            }

            position = at < 0 ? body.Length : end + 2;
        }

        return hash.GetHashAndReset();
    }

    /// <summary>One body line (no CRLF) with its WSP runs made one SP and its trailing WSP removed, into <paramref name="output"/>.</summary>
    private static void RelaxedLine(ReadOnlySpan<byte> line, List<byte> output)
    {
        output.Clear();
        var pendingSpace = false;
        foreach (var octet in line)
        {
            if (RawHeader.IsWsp(octet))
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                output.Add((byte)' ');
                pendingSpace = false;
            }

            output.Add(octet);
        }
    }
}
