using System.Text;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// The grammar-unaware half of the generators: turns a well-formed command line into one a broken, hostile or
/// merely sloppy client sends (wrong case, extra or missing spaces, tabs, NUL, 8-bit and invalid UTF-8, overlong
/// and truncated lines, bare CR/LF or none, random octets).
/// </summary>
public static class FuzzMutator
{
    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xC0, 0xAF], [0xE2, 0x28, 0xA1], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xC3],
    ];

    private static readonly string[] Utf8Samples = ["é", "ü", "日本", "\u202E", "\uFEFF", "😀", "ß"];

    /// <summary>A line (without its line end) mutated in one or two ways, with a line end that may be wrong or missing.</summary>
    public static byte[] Mutate(Random random, string line, int overlong)
    {
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(line));
        var mutations = random.Next(1, 3);
        for (var i = 0; i < mutations; i++)
        {
            MutateOnce(random, bytes, overlong);
        }

        bytes.AddRange(LineEnd(random, mostlyCrLf: false));
        return [.. bytes];
    }

    /// <summary>CRLF mostly; else LF, CR, CRCRLF, LFCR or nothing.</summary>
    public static byte[] LineEnd(Random random, bool mostlyCrLf) => (mostlyCrLf ? random.Next(20) : random.Next(8)) switch
    {
        1 => "\n"u8.ToArray(),
        2 => "\r"u8.ToArray(),
        3 => "\r\r\n"u8.ToArray(),
        4 => "\n\r"u8.ToArray(),
        5 => [],
        _ => "\r\n"u8.ToArray(),
    };

    /// <summary>Random octets, with line ends among them now and then.</summary>
    public static byte[] Garbage(Random random, int maxLength)
    {
        var bytes = new byte[random.Next(1, maxLength + 1)];
        random.NextBytes(bytes);
        if (random.Next(2) == 0)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(bytes[i] % 96 + 32);
            }
        }

        return bytes;
    }

    private static void MutateOnce(Random random, List<byte> bytes, int overlong)
    {
        var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count + 1);
        switch (random.Next(13))
        {
            case 0:
                // Wrong case: every letter flipped, or a random one.
                for (var i = 0; i < bytes.Count; i++)
                {
                    if (char.IsAsciiLetter((char)bytes[i]) && random.Next(2) == 0)
                    {
                        bytes[i] ^= 0x20;
                    }
                }

                break;
            case 1:
                bytes.InsertRange(at, Enumerable.Repeat((byte)' ', random.Next(1, 4)));
                break;
            case 2:
                var space = bytes.IndexOf((byte)' ');
                if (space >= 0)
                {
                    bytes.RemoveAt(space);
                }

                break;
            case 3:
                bytes.Insert(at, (byte)'\t');
                break;
            case 4:
                bytes.Insert(at, 0);
                break;
            case 5:
                bytes.Insert(at, (byte)random.Next(0x80, 0x100));
                break;
            case 6:
                bytes.InsertRange(at, InvalidUtf8[random.Next(InvalidUtf8.Length)]);
                break;
            case 7:
                bytes.InsertRange(at, Encoding.UTF8.GetBytes(Utf8Samples[random.Next(Utf8Samples.Length)]));
                break;
            case 8:
                // Overlong: around the limit (one under, at, one over) or far past it.
                var target = random.Next(3) switch
                {
                    0 => overlong - 3 + random.Next(3),
                    1 => overlong + random.Next(-1, 2),
                    _ => overlong + random.Next(1, 4 * overlong),
                };
                while (bytes.Count < target)
                {
                    bytes.Add((byte)('a' + bytes.Count % 26));
                }

                break;
            case 9:
                // Truncated.
                if (bytes.Count > 1)
                {
                    var keep = random.Next(1, bytes.Count);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                }

                break;
            case 10:
                // A line end in the middle: one line becomes two.
                bytes.InsertRange(at, LineEnd(random, mostlyCrLf: false));
                break;
            case 11:
                bytes.InsertRange(at, Garbage(random, 16));
                break;
            default:
                // A control character or DEL.
                bytes.Insert(at, (byte)(random.Next(2) == 0 ? random.Next(1, 32) : 0x7F));
                break;
        }
    }
}
