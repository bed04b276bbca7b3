using System.Net;
using MaxMind.Db;

namespace EmailAI.Tests.Geo;

/// <summary>The test writer's files read back with MaxMind.Db's own reader, so the database tests rest on a real MaxMind DB.</summary>
public sealed class MmdbWriterTests
{
    [Fact]
    public void Writer_IPv6DatabaseWithIPv4Ranges_MaxMindReaderFindsThem()
    {
        var bytes = new MmdbWriter(ipVersion: 6) { AliasIPv4Mapped = true }
            .AddRange(IPAddress.Parse("1.2.3.0"), IPAddress.Parse("1.2.4.127"), "DE")
            .AddNetwork(IPAddress.Parse("2001:db8::"), 32, "FR")
            .AddNetwork(IPAddress.Parse("2001:db9::"), 32, null, registeredCountry: "NL")
            .ToBytes();

        using var reader = new Reader(new MemoryStream(bytes));

        Assert.Equal(6, reader.Metadata.IPVersion);
        Assert.Equal(2, reader.Metadata.BinaryFormatMajorVersion);
        Assert.Equal("DE", Country(reader, "1.2.3.0"));
        Assert.Equal("DE", Country(reader, "1.2.4.127"));
        Assert.Null(Country(reader, "1.2.4.128"));
        Assert.Equal("DE", Country(reader, "::ffff:1.2.4.1"));
        Assert.Equal("FR", Country(reader, "2001:db8:ffff::1"));
        Assert.Null(Country(reader, "2001:db7::1"));
        var registered = reader.Find<Dictionary<string, object>>(IPAddress.Parse("2001:db9::1"));
        Assert.Equal("NL", ((Dictionary<string, object>)registered!["registered_country"])["iso_code"]);
    }

    [Fact]
    public void Writer_IPv4Database_MaxMindReaderFindsThem()
    {
        var bytes = new MmdbWriter(ipVersion: 4)
            .AddRange(IPAddress.Parse("10.0.0.0"), IPAddress.Parse("10.0.0.5"), "US")
            .ToBytes();

        using var reader = new Reader(new MemoryStream(bytes));

        Assert.Equal(4, reader.Metadata.IPVersion);
        Assert.Equal("US", Country(reader, "10.0.0.5"));
        Assert.Null(Country(reader, "10.0.0.6"));
    }

    private static string? Country(Reader reader, string address)
    {
        var record = reader.Find<Dictionary<string, object>>(IPAddress.Parse(address));
        return record is not null && record.TryGetValue("country", out var country) ? (string)((Dictionary<string, object>)country)["iso_code"] : null;
    }
}
