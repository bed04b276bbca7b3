using System.Net;
using CsCheck;
using EmailAI.Gateway.Geo;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Geo;

/// <summary>
/// The node's location database: both formats with IPv4 and IPv6 ranges, the edges of a range, refusals of corrupt
/// files, a property test against a linear scan, and reload on change with the old data kept when the new is bad.
/// </summary>
public sealed class GeoDatabaseTests : IDisposable
{
    private readonly GeoTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private const string Csv = """
        # a test database
        1.0.0.0,1.0.0.255,AU

        "8.8.8.0","8.8.8.255","us"
        10.0.0.0,10.0.255.255,??
        81.2.69.0,81.2.69.255,UK
        2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,DE
        """;

    [Theory]
    [InlineData("1.0.0.0", "AU")]
    [InlineData("1.0.0.255", "AU")]
    [InlineData("1.0.1.0", null)]
    [InlineData("0.255.255.255", null)]
    [InlineData("8.8.8.8", "US")]
    [InlineData("::ffff:8.8.8.8", "US")]
    [InlineData("10.0.3.4", null)]
    [InlineData("81.2.69.160", "GB")]
    [InlineData("2001:db8::1", "DE")]
    [InlineData("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "DE")]
    [InlineData("2001:db9::", null)]
    public void Csv_IPv4AndIPv6Ranges_LookedUpAtTheirEdges(string address, string? country)
    {
        var database = GeoDatabase.Load([_folder.Write("db.csv", Csv.Replace("\n", "\r\n", StringComparison.Ordinal))]);
        Assert.Equal(country, database.Lookup(IPAddress.Parse(address)).Country);
        Assert.Equal("csv", database.Format);
    }

    [Fact]
    public void TorFormat_DecimalIPv4_Read()
    {
        var database = GeoDatabase.Load([_folder.Write("geoip", "# tor\n16777216,16777471,AU\n134744064,134744319,US\n")]);
        Assert.Equal("AU", database.Lookup(IPAddress.Parse("1.0.0.7")).Country);
        Assert.Equal("US", database.Lookup(IPAddress.Parse("8.8.8.8")).Country);
    }

    [Fact]
    public void Csv_LeadingZeroOctets_ReadAsDecimalNotOctal()
    {
        var database = GeoDatabase.Load([_folder.Write("zeros.csv", "010.000.000.000,010.000.000.255,DE\n")]);
        Assert.Equal("DE", database.Lookup(IPAddress.Parse("10.0.0.7")).Country);
        Assert.Null(database.Lookup(IPAddress.Parse("8.0.0.7")).Country);
    }

    [Theory]
    [InlineData("1.0.0.0,1.0.0.x,AU", "line 1")]
    [InlineData("1.0.0.9,1.0.0.1,AU", "line 1")]
    [InlineData("1.0.0.0,1.0.0.255,A1", "line 1")]
    [InlineData("first_ip,last_ip,country_code", "line 1")]
    [InlineData("1.0.0.0,1.0.0.255,AU\n1.0.0.128,1.0.1.0,US", "overlap")]
    public void Csv_Malformed_RefusedNamingTheLine(string content, string expected)
    {
        var error = Assert.Throws<GeoDatabaseException>(() => GeoDatabase.Load([_folder.Write("bad.csv", content)]));
        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Mmdb_IPv4AndIPv6_ReadAsRanges()
    {
        var path = _folder.File("country.mmdb");
        new MmdbWriter()
            .AddRange(IPAddress.Parse("8.8.8.0"), IPAddress.Parse("8.8.8.255"), "US")
            .AddRange(IPAddress.Parse("81.2.69.0"), IPAddress.Parse("81.2.69.127"), null, registeredCountry: "GB")
            .AddRange(IPAddress.Parse("2001:db8::"), IPAddress.Parse("2001:db8::ffff"), "DE")
            .WriteTo(path);

        var database = GeoDatabase.Load([path]);

        Assert.Equal("mmdb", database.Format);
        Assert.Equal("US", database.Lookup(IPAddress.Parse("8.8.8.255")).Country);
        Assert.Equal("US", database.Lookup(IPAddress.Parse("::ffff:8.8.8.1")).Country);
        Assert.Null(database.Lookup(IPAddress.Parse("8.8.9.0")).Country);
        Assert.Equal("GB", database.Lookup(IPAddress.Parse("81.2.69.100")).Country);
        Assert.Equal("DE", database.Lookup(IPAddress.Parse("2001:db8::1234")).Country);
        Assert.Null(database.Lookup(IPAddress.Parse("2001:db8::1:0")).Country);
    }

    [Fact]
    public void Mmdb_TruncatedOrRandom_Refused()
    {
        var bytes = new MmdbWriter().AddRange(IPAddress.Parse("8.8.8.0"), IPAddress.Parse("8.8.8.255"), "US").ToBytes();
        var truncated = _folder.File("truncated.mmdb");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var random = _folder.File("random.mmdb");
        File.WriteAllBytes(random, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251))]);

        Assert.Throws<GeoDatabaseException>(() => GeoDatabase.Load([truncated]));
        Assert.Throws<GeoDatabaseException>(() => GeoDatabase.Load([random]));
    }

    [Fact]
    public void Lookup_RandomRanges_SameAsALinearScan()
    {
        // Disjoint IPv4 ranges from sorted random cut points; each lookup (boundaries ±1 included) must agree with a scan.
        var cuts = Gen.UInt.Array[2, 40].Select(a => a.Distinct().Order().ToArray()).Where(a => a.Length % 2 == 0 && a.Length >= 2);
        Gen.Select(cuts, Gen.UInt.Array[20]).Sample((points, probes) =>
        {
            var ranges = Enumerable.Range(0, points.Length / 2).Select(i => (First: points[2 * i], Last: points[2 * i + 1], Country: i % 2 == 0 ? "DE" : "FR")).ToArray();
            var path = _folder.Write($"p-{Guid.NewGuid():N}.csv", string.Join("\n", ranges.Select(r => $"{r.First},{r.Last},{r.Country}")));
            var database = GeoDatabase.Load([path]);
            var addresses = probes.Concat(ranges.SelectMany(r => new[] { r.First, r.Last, r.First - 1, r.Last + 1 }));
            foreach (var address in addresses)
            {
                var expected = ranges.FirstOrDefault(r => r.First <= address && address <= r.Last).Country;
                var ip = new IPAddress([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);
                if (database.Lookup(ip).Country != expected)
                {
                    return false;
                }
            }

            return true;
        }, iter: 200);
    }

    [Fact]
    public void Locator_FileChangedThenCorrupted_NewDataThenOldDataKeptWithLastError()
    {
        var path = _folder.Write("db.csv", "8.8.8.0,8.8.8.255,US\n");
        var time = new FakeTimeProvider();
        var locator = new CountryLocator(Options.Create(new GeoOptions { Database = path }), time, NullLogger<CountryLocator>.Instance);
        Assert.Equal("US", locator.Lookup(IPAddress.Parse("8.8.8.8"))?.Country);

        _folder.Write("db.csv", "8.8.8.0,8.8.8.255,CA\n");
        locator.Poll();
        locator.Poll();
        Assert.Equal("CA", locator.Lookup(IPAddress.Parse("8.8.8.8"))?.Country);
        Assert.Null(locator.Status.LastError);

        _folder.Write("db.csv", "8.8.8.0,not-an-ip,CA\n");
        locator.Poll();
        locator.Poll();
        Assert.Equal("CA", locator.Lookup(IPAddress.Parse("8.8.8.8"))?.Country);
        Assert.Contains("line 1", locator.Status.LastError, StringComparison.Ordinal);

        _folder.Write("db.csv", "8.8.8.0,8.8.8.255,MX\n");
        locator.Poll();
        locator.Poll();
        Assert.Equal("MX", locator.Lookup(IPAddress.Parse("8.8.8.8"))?.Country);
        Assert.Null(locator.Status.LastError);
    }

    [Fact]
    public void Locator_NoDatabaseAndNoDefaultFiles_OffWithTheReason()
    {
        var locator = new CountryLocator(
            Options.Create(new GeoOptions { DefaultDatabaseFiles = [_folder.File("geoip"), _folder.File("geoip6")] }),
            new FakeTimeProvider(), NullLogger<CountryLocator>.Instance);

        Assert.Null(locator.Lookup(IPAddress.Parse("8.8.8.8")));
        Assert.False(locator.Status.Available);
        Assert.Contains("tor-geoipdb is not installed", locator.Status.Reason, StringComparison.Ordinal);

        // The default files appear: the next polls load them.
        _folder.Write("geoip", "134744064,134744319,US\n");
        locator.Poll();
        locator.Poll();
        Assert.Equal("US", locator.Lookup(IPAddress.Parse("8.8.8.8"))?.Country);
    }
}
