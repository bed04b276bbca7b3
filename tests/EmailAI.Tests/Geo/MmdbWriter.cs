using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EmailAI.Tests.Geo;

/// <summary>
/// Writes small MaxMind DB files (format 2.0, https://maxmind.github.io/MaxMind-DB/) for tests: a binary search
/// tree of 24-bit records (32-bit when the tree is too large for 24), a 16-octet separator, a data section of maps
/// <c>{"country":{"iso_code":"XX"}}</c> (or <c>registered_country</c> only, or an empty map for "no country"), and
/// the metadata after the <c>\xAB\xCD\xEFMaxMind.com</c> marker. An IPv6 database holds IPv4 networks at
/// <c>::/96</c> and, like MaxMind's own, can alias <c>::ffff:0:0/96</c> to that subtree. Ranges are split into
/// CIDR networks. Later networks replace what they cover.
/// </summary>
internal sealed class MmdbWriter(int ipVersion = 6)
{
    private const int Pointer = 1, Utf8String = 2, UInt16 = 5, UInt32 = 6, Map = 7, UInt64 = 9, Array = 11;

    private readonly Node _root = new();
    private readonly Dictionary<(string? Country, string? Registered), Leaf> _leaves = [];

    /// <summary>Point <c>::ffff:0:0/96</c> at the IPv4 subtree, as GeoLite2 does (an IPv6 database only).</summary>
    public bool AliasIPv4Mapped { get; init; }

    /// <summary>Adds every address from <paramref name="first"/> to <paramref name="last"/> (same family).</summary>
    public MmdbWriter AddRange(IPAddress first, IPAddress last, string? country, string? registeredCountry = null)
    {
        var ipv4 = first.AddressFamily == AddressFamily.InterNetwork;
        var bits = ipv4 ? 32 : 128;
        var low = ToNumber(first);
        var high = ToNumber(last);
        while (low <= high)
        {
            // The largest aligned block starting at low that ends at or before high.
            var size = 0;
            while (size < bits && (low & ((UInt128.One << (size + 1)) - 1)) == 0 && low + ((UInt128.One << (size + 1)) - 1) <= high)
            {
                size++;
            }

            AddNetwork(FromNumber(low, ipv4), bits - size, country, registeredCountry);
            var next = low + (UInt128.One << size);
            if (size == bits || next == 0 || (ipv4 && next > uint.MaxValue))
            {
                break;
            }

            low = next;
        }

        return this;
    }

    /// <summary>Adds the network <paramref name="start"/>/<paramref name="prefixLength"/>.</summary>
    public MmdbWriter AddNetwork(IPAddress start, int prefixLength, string? country, string? registeredCountry = null)
    {
        var ipv4 = start.AddressFamily == AddressFamily.InterNetwork;
        if (!ipv4 && ipVersion == 4)
        {
            throw new ArgumentException("an IPv4 database holds no IPv6 network", nameof(start));
        }

        var offset = ipv4 && ipVersion == 6 ? 96 : 0;
        var number = ToNumber(start) << (ipv4 ? 96 : 0);
        var leaf = LeafFor(country, registeredCountry);
        var node = _root;
        var depth = offset + prefixLength;
        for (var i = 0; i < depth - 1; i++)
        {
            node = node.Descend(Bit(number, i - offset));
        }

        if (depth == 0)
        {
            throw new ArgumentException("a /0 network has no record of its own", nameof(prefixLength));
        }

        node.Children[Bit(number, depth - 1 - offset)] = leaf;
        return this;
    }

    /// <summary>The file's octets.</summary>
    public byte[] ToBytes()
    {
        if (AliasIPv4Mapped && ipVersion == 6)
        {
            var ipv4Root = _root;
            for (var i = 0; i < 96; i++)
            {
                ipv4Root = ipv4Root.Descend(0);
            }

            var node = _root;
            for (var i = 0; i < 95; i++)
            {
                node = node.Descend(i < 80 ? 0 : 1);
            }

            node.Children[1] = ipv4Root;
        }

        // Number the nodes breadth first (an alias is numbered once), then lay out the data section.
        var nodes = new List<Node>();
        var numbers = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var queue = new Queue<Node>([_root]);
        numbers[_root] = 0;
        while (queue.TryDequeue(out var node))
        {
            nodes.Add(node);
            foreach (var child in node.Children)
            {
                if (child is Node inner && numbers.TryAdd(inner, numbers.Count))
                {
                    queue.Enqueue(inner);
                }
            }
        }

        var data = new List<byte>();
        foreach (var ((country, registered), leaf) in _leaves)
        {
            leaf.Offset = data.Count;
            WriteRecord(data, country, registered);
        }

        var nodeCount = nodes.Count;
        var largest = nodeCount + 16 + data.Count;
        var recordSize = largest < (1 << 24) ? 24 : 32;
        var tree = new byte[nodeCount * recordSize / 4];
        for (var n = 0; n < nodeCount; n++)
        {
            for (var side = 0; side < 2; side++)
            {
                var value = nodes[n].Children[side] switch
                {
                    Node inner => numbers[inner],
                    Leaf leaf => nodeCount + 16 + leaf.Offset,
                    _ => nodeCount,
                };
                var record = tree.AsSpan((n * recordSize / 4) + (side * recordSize / 8), recordSize / 8);
                if (recordSize == 24)
                {
                    record[0] = (byte)(value >> 16);
                    record[1] = (byte)(value >> 8);
                    record[2] = (byte)value;
                }
                else
                {
                    BinaryPrimitives.WriteUInt32BigEndian(record, (uint)value);
                }
            }
        }

        var file = new List<byte>(tree);
        file.AddRange(new byte[16]);
        file.AddRange(data);
        file.AddRange([0xAB, 0xCD, 0xEF, .. "MaxMind.com"u8.ToArray()]);
        WriteMetadata(file, nodeCount, recordSize);
        return [.. file];
    }

    /// <summary>Writes <see cref="ToBytes"/> to <paramref name="path"/>.</summary>
    public void WriteTo(string path) => File.WriteAllBytes(path, ToBytes());

    private void WriteMetadata(List<byte> output, int nodeCount, int recordSize)
    {
        WriteControl(output, Map, 9);
        WriteString(output, "node_count");
        WriteUnsigned(output, UInt32, (ulong)nodeCount);
        WriteString(output, "record_size");
        WriteUnsigned(output, UInt16, (ulong)recordSize);
        WriteString(output, "ip_version");
        WriteUnsigned(output, UInt16, (ulong)ipVersion);
        WriteString(output, "database_type");
        WriteString(output, "EmailAI-Test-Country");
        WriteString(output, "languages");
        WriteControl(output, Array, 1);
        WriteString(output, "en");
        WriteString(output, "binary_format_major_version");
        WriteUnsigned(output, UInt16, 2);
        WriteString(output, "binary_format_minor_version");
        WriteUnsigned(output, UInt16, 0);
        WriteString(output, "build_epoch");
        WriteUnsigned(output, UInt64, 1_780_000_000);
        WriteString(output, "description");
        WriteControl(output, Map, 1);
        WriteString(output, "en");
        WriteString(output, "EmailAI test country database");
    }

    private static void WriteRecord(List<byte> output, string? country, string? registered)
    {
        var fields = (country is null ? 0 : 1) + (registered is null ? 0 : 1);
        WriteControl(output, Map, fields);
        foreach (var (key, code) in new[] { ("country", country), ("registered_country", registered) })
        {
            if (code is not null)
            {
                WriteString(output, key);
                WriteControl(output, Map, 1);
                WriteString(output, "iso_code");
                WriteString(output, code);
            }
        }
    }

    private static void WriteString(List<byte> output, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        WriteControl(output, Utf8String, bytes.Length);
        output.AddRange(bytes);
    }

    private static void WriteUnsigned(List<byte> output, int type, ulong value)
    {
        var length = value == 0 ? 0 : (64 - System.Numerics.BitOperations.LeadingZeroCount(value) + 7) / 8;
        WriteControl(output, type, length);
        for (var i = length - 1; i >= 0; i--)
        {
            output.Add((byte)(value >> (8 * i)));
        }
    }

    // Control byte: type in the top 3 bits (0 and a second byte of type - 7 for the extended types), size in the
    // low 5 (29, 30, 31: the size minus 29, 285, 65821 follows in 1, 2, 3 octets).
    private static void WriteControl(List<byte> output, int type, int size)
    {
        System.Diagnostics.Debug.Assert(type != Pointer, "pointers are not written");
        var (sizeBits, extra, extraLength) = size switch
        {
            < 29 => (size, 0, 0),
            < 285 => (29, size - 29, 1),
            < 65821 => (30, size - 285, 2),
            _ => (31, size - 65821, 3),
        };
        output.Add((byte)(((type <= 7 ? type : 0) << 5) | sizeBits));
        if (type > 7)
        {
            output.Add((byte)(type - 7));
        }

        for (var i = extraLength - 1; i >= 0; i--)
        {
            output.Add((byte)(extra >> (8 * i)));
        }
    }

    private Leaf LeafFor(string? country, string? registered)
    {
        if (!_leaves.TryGetValue((country, registered), out var leaf))
        {
            leaf = new Leaf();
            _leaves[(country, registered)] = leaf;
        }

        return leaf;
    }

    // Bit i of the address (0 is the most significant) of a 128-bit number; negative i is a zero bit of ::/96.
    private static int Bit(UInt128 number, int i) => i < 0 ? 0 : (int)((number >> (127 - i)) & 1);

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static IPAddress FromNumber(UInt128 number, bool ipv4)
    {
        var bytes = new byte[ipv4 ? 4 : 16];
        if (ipv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)number);
        }
        else
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, number);
        }

        return new IPAddress(bytes);
    }

    private sealed class Node
    {
        public object?[] Children { get; } = new object?[2];

        public Node Descend(int bit)
        {
            switch (Children[bit])
            {
                case Node inner:
                    return inner;
                case Leaf leaf:
                    // A smaller network inside a larger one: the larger one's record becomes a node of two halves.
                    var split = new Node();
                    split.Children[0] = split.Children[1] = leaf;
                    Children[bit] = split;
                    return split;
                default:
                    var created = new Node();
                    Children[bit] = created;
                    return created;
            }
        }
    }

    private sealed class Leaf
    {
        public int Offset { get; set; }
    }
}
