using System.Globalization;
using System.Net;

namespace EmailAI.Gateway.Geo;

/// <summary>
/// Collects the ranges read from one or more files, then sorts them, refuses overlaps (naming both places), drops
/// the ranges that have no country (a lookup there answers "unknown" whether the range is kept or not) and merges
/// adjacent ranges of the same country, giving the two <see cref="RangeTable{T}"/>s of a <see cref="GeoDatabase"/>.
/// Not thread-safe: one builder per load.
/// </summary>
internal sealed class RangeListBuilder
{
    private readonly List<Entry> _v4 = [];
    private readonly List<Entry> _v6 = [];
    private readonly List<string> _files = [];

    /// <summary>Starts the ranges of <paramref name="file"/>; the following <see cref="Add"/>s name it in errors.</summary>
    public void BeginFile(string file) => _files.Add(file);

    /// <summary>
    /// One range. <paramref name="line"/> is its line in a CSV (0 for a MaxMind DB network, which is then named by its
    /// addresses). An IPv4 range has <paramref name="ipv4"/> set and values below 2^32.
    /// </summary>
    public void Add(UInt128 first, UInt128 last, bool ipv4, ushort country, int line)
    {
        var entry = new Entry(first, last, country, _files.Count - 1, line, ipv4);
        (ipv4 ? _v4 : _v6).Add(entry);
    }

    /// <summary>Number of ranges added so far (before merging).</summary>
    public int Count => _v4.Count + _v6.Count;

    /// <exception cref="GeoDatabaseException">Two ranges overlap.</exception>
    public (RangeTable<uint> V4, RangeTable<UInt128> V6) Build()
    {
        var v4 = Sorted(_v4);
        var v6 = Sorted(_v6);
        return (
            new RangeTable<uint>([.. v4.Select(e => (uint)e.First)], [.. v4.Select(e => (uint)e.Last)], [.. v4.Select(e => e.Country)]),
            new RangeTable<UInt128>([.. v6.Select(e => e.First)], [.. v6.Select(e => e.Last)], [.. v6.Select(e => e.Country)]));
    }

    private List<Entry> Sorted(List<Entry> entries)
    {
        // Stable, so that two ranges starting at the same address are reported in file order.
        var sorted = entries.OrderBy(e => e.First).ToList();
        var kept = new List<Entry>(sorted.Count);
        for (var i = 0; i < sorted.Count; i++)
        {
            var entry = sorted[i];
            if (i > 0 && entry.First <= sorted[i - 1].Last)
            {
                throw new GeoDatabaseException($"{Describe(entry)} overlaps {Describe(sorted[i - 1])}");
            }

            if (entry.Country == CountryIndex.None)
            {
                continue;
            }

            if (kept.Count > 0 && kept[^1].Country == entry.Country && kept[^1].Last + 1 == entry.First)
            {
                kept[^1] = kept[^1] with { Last = entry.Last };
            }
            else
            {
                kept.Add(entry);
            }
        }

        return kept;
    }

    private string Describe(Entry entry)
    {
        var range = $"{Format(entry.First, entry.IPv4)}-{Format(entry.Last, entry.IPv4)}";
        return entry.Line > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{_files[entry.File]} line {entry.Line} ({range})")
            : $"{_files[entry.File]} network {range}";
    }

    /// <summary>The text form of an address held as a number.</summary>
    public static string Format(UInt128 value, bool ipv4)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(ipv4 ? bytes[12..] : bytes).ToString();
    }

    private readonly record struct Entry(UInt128 First, UInt128 Last, ushort Country, int File, int Line, bool IPv4);
}
