using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EmailAI.Protocols.Common;

/// <summary>
/// The one strict reading of an IP address written by a person or a database: IPv4 as exactly four dotted decimal
/// octets (a leading zero is still decimal: <c>010.0.0.1</c> is 10.0.0.1, not the octal 8.0.0.1 that
/// <see cref="IPAddress.TryParse(string, out IPAddress)"/> makes of it), IPv6 as text with a colon and no zone.
/// The shorthand forms <see cref="IPAddress.TryParse(string, out IPAddress)"/> also takes (<c>10.1</c>, <c>167772161</c>,
/// hex) are refused: an admin rarely means what they parse to, and a database never writes them.
/// </summary>
public static class IpAddressText
{
    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.Contains(':'))
        {
            if (text.Contains('%') || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = v6;
            return true;
        }

        Span<byte> bytes = stackalloc byte[4];
        var octet = 0;
        foreach (var part in text.Split('.'))
        {
            var digits = text[part];
            if (octet == 4 || digits.Length is < 1 or > 3 || !byte.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out bytes[octet]))
            {
                return false;
            }

            octet++;
        }

        if (octet != 4)
        {
            return false;
        }

        address = new IPAddress(bytes);
        return true;
    }
}
