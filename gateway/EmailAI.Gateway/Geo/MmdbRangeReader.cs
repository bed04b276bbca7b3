using System.Buffers.Binary;
using System.Net.Sockets;
using MaxMind.Db;

namespace EmailAI.Gateway.Geo;

/// <summary>
/// Reads a MaxMind DB file (GeoLite2-Country, DB-IP lite <c>.mmdb</c>) into ranges: every network of its search
/// tree is enumerated once at load (<see cref="Reader.FindAll{T}"/>), so lookups afterwards never touch the file.
/// In an IPv6 database the IPv4 networks (under <c>::/96</c>) become IPv4 ranges; the networks under
/// <c>::ffff:0:0/96</c>, which MaxMind's databases alias to the same IPv4 subtree, are skipped, because the
/// lookup answers an IPv4-mapped address from the IPv4 ranges. Other aliases (6to4's <c>2002::/16</c>) are kept as
/// the IPv6 ranges they are.
/// </summary>
internal static class MmdbRangeReader
{
    // "\xAB\xCD\xEFMaxMind.com": the metadata starts after the last occurrence; MaxMind keeps the metadata under 128 KiB.
    private static ReadOnlySpan<byte> MetadataMarker => [0xAB, 0xCD, 0xEF, (byte)'M', (byte)'a', (byte)'x', (byte)'M', (byte)'i', (byte)'n', (byte)'d', (byte)'.', (byte)'c', (byte)'o', (byte)'m'];

    private const int MetadataMaxSize = 128 * 1024;

    /// <summary>Whether <paramref name="file"/> has a MaxMind DB metadata marker in its last 128 KiB.</summary>
    public static bool IsMmdb(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = (int)Math.Min(stream.Length, MetadataMaxSize);
        var tail = new byte[length];
        stream.Seek(-length, SeekOrigin.End);
        stream.ReadExactly(tail);
        return tail.AsSpan().LastIndexOf(MetadataMarker) >= 0;
    }

    public static void Read(string file, RangeListBuilder builder)
    {
        try
        {
            using var reader = new Reader(file, FileAccessMode.Memory);
            if (reader.Metadata.IPVersion is not (4 or 6))
            {
                throw new GeoDatabaseException($"{file}: ip_version {reader.Metadata.IPVersion} is neither 4 nor 6");
            }

            Span<byte> bytes = stackalloc byte[16];
            foreach (var node in reader.FindAll<MmdbCountryRecord>())
            {
                if (!CountryIndex.TryNormalise(node.Data.IsoCode, out var country))
                {
                    throw new GeoDatabaseException($"{file} network {node.Start}/{node.PrefixLength}: '{node.Data.IsoCode}' is not a two-letter country code");
                }

                node.Start.TryWriteBytes(bytes, out _);
                if (node.Start.AddressFamily == AddressFamily.InterNetwork && node.PrefixLength >= 0)
                {
                    var start = BinaryPrimitives.ReadUInt32BigEndian(bytes);
                    var hostBits = 32 - node.PrefixLength;
                    var last = start | (uint)((1UL << hostBits) - 1);
                    builder.Add(start, last, ipv4: true, country, line: 0);
                }
                else if (node.Start.AddressFamily == AddressFamily.InterNetwork)
                {
                    // A network shorter than /96 at :: (the reader reports it as IPv4 with a negative prefix): it
                    // holds all of IPv4 and more of IPv6.
                    builder.Add(0, uint.MaxValue, ipv4: true, country, line: 0);
                    AddIPv6(builder, 0, node.PrefixLength + 96, country);
                }
                else
                {
                    var start = BinaryPrimitives.ReadUInt128BigEndian(bytes);
                    if ((start >> 32) == 0xFFFF && node.PrefixLength >= 96)
                    {
                        continue;
                    }

                    AddIPv6(builder, start, node.PrefixLength, country);
                }
            }
        }
        catch (Exception ex) when (ex is not GeoDatabaseException)
        {
            // MaxMind.Db throws InvalidDatabaseException for what it checks, and index or argument exceptions for a
            // truncated tree or data section.
            throw new GeoDatabaseException($"{file}: not a valid MaxMind DB ({ex.Message})", ex);
        }
    }

    private static void AddIPv6(RangeListBuilder builder, UInt128 start, int prefixLength, ushort country)
    {
        var hostMask = prefixLength == 0 ? UInt128.MaxValue : (UInt128.One << (128 - prefixLength)) - 1;
        builder.Add(start, start | hostMask, ipv4: false, country, line: 0);
    }
}
