using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using EmailAI.Protocols.Common;

namespace EmailAI.Gateway.Geo;

/// <summary>
/// Reads a range CSV: one <c>first,last,country</c> line per range. Addresses are IPv4 or IPv6 text (DB-IP lite
/// CSV, ip-location-db), or IPv4 as a decimal number (tor-geoipdb's <c>/usr/share/tor/geoip</c>); both families
/// may be mixed in one file. A field may be wrapped in double quotes. Blank lines and lines starting with <c>#</c>
/// are skipped; CRLF line ends are accepted. Any other line (a header, a fourth field, a bad address, a range
/// ending before it starts, a country that is not two letters) refuses the whole file, naming the line.
/// A range of IPv4-mapped addresses (<c>::ffff:a.b.c.d</c> at both ends) is held as the IPv4 range.
/// </summary>
internal static class CsvRangeReader
{
    public static void Read(string file, RangeListBuilder builder)
    {
        using var reader = new StreamReader(file, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, new FileStreamOptions { BufferSize = 1 << 16 });
        var number = 0;
        while (reader.ReadLine() is { } text)
        {
            number++;
            var line = text.AsSpan().Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            if (!TryParse(line, out var first, out var last, out var ipv4, out var country, out var error))
            {
                throw new GeoDatabaseException(string.Create(CultureInfo.InvariantCulture, $"{file} line {number}: {error}"));
            }

            builder.Add(first, last, ipv4, country, number);
        }
    }

    private static bool TryParse(ReadOnlySpan<char> line, out UInt128 first, out UInt128 last, out bool ipv4, out ushort country, out string? error)
    {
        first = last = 0;
        ipv4 = false;
        country = CountryIndex.None;
        Span<Range> fields = stackalloc Range[4];
        if (line.Split(fields, ',') != 3)
        {
            error = "expected first_ip,last_ip,country_code";
            return false;
        }

        var firstText = Unquote(line[fields[0]]);
        var lastText = Unquote(line[fields[1]]);
        var code = Unquote(line[fields[2]]);
        if (!TryParseAddress(firstText, out first, out ipv4))
        {
            error = $"'{firstText}' is not an IP address";
            return false;
        }

        if (!TryParseAddress(lastText, out last, out var lastIPv4))
        {
            error = $"'{lastText}' is not an IP address";
            return false;
        }

        if (!ipv4 && !lastIPv4 && IsMapped(first) && IsMapped(last))
        {
            (first, last, ipv4, lastIPv4) = ((uint)first, (uint)last, true, true);
        }

        if (ipv4 != lastIPv4)
        {
            error = $"'{firstText}' and '{lastText}' are not the same address family";
            return false;
        }

        if (last < first)
        {
            error = $"the range ends ({lastText}) before it starts ({firstText})";
            return false;
        }

        if (!CountryIndex.TryNormalise(code, out country))
        {
            error = $"'{code}' is not a two-letter country code";
            return false;
        }

        error = null;
        return true;
    }

    private static bool IsMapped(UInt128 value) => (value >> 32) == 0xFFFF;

    private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> field)
    {
        field = field.Trim();
        return field.Length >= 2 && field[0] == '"' && field[^1] == '"' ? field[1..^1] : field;
    }

    /// <summary>
    /// An address as a number: IPv6 text (no zone), dotted-quad IPv4 text, or IPv4 as a decimal number. The
    /// shorthand forms <see cref="IPAddress.TryParse(string, out IPAddress)"/> also accepts (<c>1.2</c>, hex) are
    /// refused: a database never writes them, so one is a damaged line.
    /// </summary>
    private static bool TryParseAddress(ReadOnlySpan<char> text, out UInt128 value, out bool ipv4)
    {
        value = 0;
        ipv4 = false;
        if (text.Contains(':') || text.Contains('.'))
        {
            if (!IpAddressText.TryParse(text, out var parsed))
            {
                return false;
            }

            Span<byte> bytes = stackalloc byte[16];
            parsed.TryWriteBytes(bytes, out var written);
            ipv4 = written == 4;
            value = ipv4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
            return true;
        }

        ipv4 = true;
        if (text.IsEmpty || text.Length > 10 || !uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        value = number;
        return true;
    }
}
