using System.Buffers.Binary;
using System.Net;
using EmailAI.Protocols.Common;

namespace EmailAI.Gateway.Geo;

/// <summary>
/// One loaded IP-to-country database: sorted IPv4 and IPv6 range arrays, whatever the file format was, so a lookup
/// is one binary search. Immutable and thread-safe; a lookup takes no lock and allocates nothing.
/// </summary>
public sealed class GeoDatabase
{
    private readonly RangeTable<uint> _v4;
    private readonly RangeTable<UInt128> _v6;

    private GeoDatabase(IReadOnlyList<string> sources, string format, RangeTable<uint> v4, RangeTable<UInt128> v6)
    {
        Sources = sources;
        Format = format;
        _v4 = v4;
        _v6 = v6;
    }

    /// <summary>The files it was read from.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary><c>csv</c>, <c>mmdb</c>, or both joined with <c>+</c> when the files differ.</summary>
    public string Format { get; }

    /// <summary>
    /// Ranges held: those with a country, adjacent ranges of the same country merged into one (so fewer than the
    /// file's lines or networks).
    /// </summary>
    public int Ranges => _v4.Count + _v6.Count;

    /// <summary>IPv4 ranges held.</summary>
    public int IPv4Ranges => _v4.Count;

    /// <summary>Octets of the range arrays (what the database costs in memory, less a few object headers).</summary>
    public long Bytes => _v4.Bytes + _v6.Bytes;

    /// <summary>
    /// The country of <paramref name="address"/>, or <see cref="ClientLocation.Unknown"/> when no range holds it
    /// (or the file said <c>??</c> for it). An IPv4-mapped IPv6 address (<c>::ffff:1.2.3.4</c>) is looked up as IPv4.
    /// Returns one shared instance per country.
    /// </summary>
    public ClientLocation Lookup(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return ClientLocation.Unknown;
        }

        if (written == 4)
        {
            return CountryIndex.Location(_v4.Find(BinaryPrimitives.ReadUInt32BigEndian(bytes)));
        }

        var value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return (value >> 32) == 0xFFFF
            ? CountryIndex.Location(_v4.Find((uint)value))
            : CountryIndex.Location(_v6.Find(value));
    }

    /// <summary>
    /// Reads <paramref name="files"/> into one database. Each file's format is recognised by its content (a
    /// MaxMind DB has its metadata marker near the end; anything else is read as CSV), or by its name ending in
    /// <c>.mmdb</c>, so that a truncated MaxMind DB is refused as one.
    /// </summary>
    /// <exception cref="GeoDatabaseException">A file is missing, unreadable or malformed, or two ranges overlap; the
    /// message names the file and, for a CSV, the line.</exception>
    public static GeoDatabase Load(IReadOnlyList<string> files)
    {
        var builder = new RangeListBuilder();
        var formats = new List<string>();
        foreach (var file in files)
        {
            builder.BeginFile(file);
            try
            {
                var format = file.EndsWith(".mmdb", StringComparison.OrdinalIgnoreCase) || MmdbRangeReader.IsMmdb(file) ? "mmdb" : "csv";
                if (format == "mmdb")
                {
                    MmdbRangeReader.Read(file, builder);
                }
                else
                {
                    CsvRangeReader.Read(file, builder);
                }

                if (!formats.Contains(format))
                {
                    formats.Add(format);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new GeoDatabaseException($"{file}: {ex.Message}", ex);
            }
        }

        var (v4, v6) = builder.Build();
        if (v4.Count + v6.Count == 0)
        {
            // An empty file, or a MaxMind DB of something else (ASN, city names only): blocking on it would treat
            // every client as unknown.
            throw new GeoDatabaseException($"{string.Join(", ", files)}: no range has a country");
        }

        return new GeoDatabase([.. files], string.Join('+', formats), v4, v6);
    }
}
