using System.Net;
using System.Net.Sockets;

namespace EmailAI.Gateway;

/// <summary>
/// The key by which per-client limits count a client: an IPv4 address as itself, an IPv4-mapped IPv6 address
/// (<c>::ffff:192.0.2.1</c>) as the IPv4 address it carries, and any other IPv6 address as its prefix of
/// <c>ipv6PrefixLength</c> bits (the rest zeroed, scope id dropped). One host is commonly given a whole /64
/// (RFC 6177, RFC 7421), so counting IPv6 per address would let it count afresh from every address it owns.
/// </summary>
public static class ClientGroup
{
    /// <summary>
    /// The group of <paramref name="address"/>. Two addresses share a group exactly when they are the same IPv4
    /// address (mapped or not) or IPv6 addresses that agree in their first <paramref name="ipv6PrefixLength"/> bits.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ipv6PrefixLength"/> is not within 0–128.</exception>
    public static IPAddress Of(IPAddress address, int ipv6PrefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(ipv6PrefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ipv6PrefixLength, 128);
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        var whole = ipv6PrefixLength / 8;
        var rest = ipv6PrefixLength % 8;
        if (rest != 0)
        {
            bytes[whole] &= (byte)(0xFF << (8 - rest));
            whole++;
        }

        bytes[whole..].Clear();
        return new IPAddress(bytes);
    }
}
