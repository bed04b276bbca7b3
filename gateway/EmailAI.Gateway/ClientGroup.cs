using System.Net;
using System.Net.Sockets;

namespace EmailAI.Gateway;

/// <summary>
/// The key under which a client's connections and errors are counted together: an IPv4 address (IPv4-mapped IPv6
/// included) stands for itself; an IPv6 address for its network of <c>ipv6PrefixLength</c> bits, because one
/// subscriber is routinely given a whole /64 and could otherwise start afresh from each of its addresses.
/// </summary>
public static class ClientGroup
{
    /// <summary>The group of <paramref name="address"/>: IPv4 as is, IPv6 with the bits past the prefix cleared (0–128, clamped).</summary>
    public static IPAddress Of(IPAddress address, int ipv6PrefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        var prefix = Math.Clamp(ipv6PrefixLength, 0, 128);
        if (prefix == 128 && address.ScopeId == 0)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        for (var bit = prefix; bit < 128; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        // A scope (fe80::1%eth0) names an interface, not part of the group.
        return new IPAddress(bytes);
    }
}
