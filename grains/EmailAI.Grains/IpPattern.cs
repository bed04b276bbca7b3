using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EmailAI.Protocols.Common;

namespace EmailAI.Grains;

/// <summary>
/// One Authorised IP entry. Forms: an exact IPv4 or IPv6 address; the seed's per-octet wildcard, where
/// <c>%</c> stands for a whole octet (<c>192.168.1.%</c> = 192.168.1.0–255, <c>10.%.%.%</c>); CIDR
/// (<c>192.168.1.0/24</c>, <c>2001:db8::/32</c>). IPv4 must be written as four dotted decimals:
/// shorthand such as <c>10.1</c>, which <see cref="IPAddress.TryParse(string, out IPAddress)"/> would take,
/// is refused because an admin rarely means what it parses to. IPv4-mapped IPv6 client addresses
/// (<c>::ffff:a.b.c.d</c>, as dual-stack sockets report them) match as IPv4, and so does an entry written in
/// that form (<c>::ffff:127.0.0.1</c>, <c>::ffff:10.0.0.0/104</c>).
/// </summary>
public sealed class IpPattern
{
    private readonly byte[] _network;
    private readonly int _prefixBits;
    private readonly bool[]? _wildOctets;

    private IpPattern(string text, byte[] network, int prefixBits, bool[]? wildOctets)
    {
        Text = text;
        _network = network;
        _prefixBits = prefixBits;
        _wildOctets = wildOctets;
    }

    public string Text { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out IpPattern? pattern)
    {
        pattern = null;
        if (string.IsNullOrWhiteSpace(text) || text != text.Trim())
        {
            return false;
        }

        if (text.Contains('%'))
        {
            var octets = text.Split('.');
            if (octets.Length != 4)
            {
                return false;
            }

            var bytes = new byte[4];
            var wild = new bool[4];
            for (var i = 0; i < 4; i++)
            {
                if (octets[i] == "%")
                {
                    wild[i] = true;
                }
                else if (!TryParseOctet(octets[i], out bytes[i]))
                {
                    return false;
                }
            }

            pattern = new IpPattern(text, bytes, 32, wild);
            return true;
        }

        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IpAddressText.TryParse(addressText, out var address))
        {
            return false;
        }

        var network = address.GetAddressBytes();
        var maxBits = network.Length * 8;
        var prefix = maxBits;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > maxBits))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            // ::ffff:a.b.c.d names an IPv4 client, and clients are compared as IPv4: keep the entry's text,
            // match on its IPv4 part. A prefix shorter than the mapping's 96 bits would span non-IPv4
            // addresses, which an admin writing ::ffff: cannot mean.
            if (prefix < 96)
            {
                return false;
            }

            network = address.MapToIPv4().GetAddressBytes();
            prefix -= 96;
        }

        pattern = new IpPattern(text, network, prefix, null);
        return true;
    }

    public bool Matches(IPAddress client)
    {
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        var bytes = client.GetAddressBytes();
        if (bytes.Length != _network.Length)
        {
            return false;
        }

        if (_wildOctets is not null)
        {
            for (var i = 0; i < 4; i++)
            {
                if (!_wildOctets[i] && bytes[i] != _network[i])
                {
                    return false;
                }
            }

            return true;
        }

        var full = _prefixBits / 8;
        for (var i = 0; i < full; i++)
        {
            if (bytes[i] != _network[i])
            {
                return false;
            }
        }

        var rest = _prefixBits % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (bytes[full] & mask) == (_network[full] & mask);
    }

    private static bool TryParseOctet(string text, out byte value)
    {
        value = 0;
        return text.Length is >= 1 and <= 3 && text.All(char.IsAsciiDigit) && byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    public override string ToString() => Text;
}
