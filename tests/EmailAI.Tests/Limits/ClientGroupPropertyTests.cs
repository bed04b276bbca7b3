using System.Net;
using CsCheck;
using EmailAI.Gateway;

namespace EmailAI.Tests.Limits;

/// <summary>
/// <see cref="ClientGroup.Of"/>: an IPv6 /64 is one client, distinct /64s never share a key, and IPv4 agrees with its
/// IPv4-mapped IPv6 form.
/// </summary>
public sealed class ClientGroupPropertyTests
{
    private static readonly Gen<byte[]> Ipv6Bytes = Gen.Byte.Array[16].Where(b => !new IPAddress(b).IsIPv4MappedToIPv6);

    [Fact]
    public void Of_TwoAddressesInOneSlash64_SameKey()
    {
        Gen.Select(Ipv6Bytes, Gen.Byte.Array[8]).Sample((address, otherHost) =>
        {
            var sibling = address[..8].Concat(otherHost).ToArray();
            Assert.Equal(ClientGroup.Of(new IPAddress(address), 64), ClientGroup.Of(new IPAddress(sibling), 64));
        });
    }

    [Fact]
    public void Of_AddressesInDifferentSlash64s_DifferentKeys()
    {
        Gen.Select(Ipv6Bytes, Ipv6Bytes).Where((a, b) => !a.AsSpan(0, 8).SequenceEqual(b.AsSpan(0, 8))).Sample((a, b) =>
            Assert.NotEqual(ClientGroup.Of(new IPAddress(a), 64), ClientGroup.Of(new IPAddress(b), 64)));
    }

    [Fact]
    public void Of_AnyPrefixLength_KeyIsTheAddressWithTheHostBitsZeroed()
    {
        Gen.Select(Ipv6Bytes, Gen.Int[0, 128]).Sample((address, prefix) =>
        {
            var key = ClientGroup.Of(new IPAddress(address), prefix).GetAddressBytes();
            for (var bit = 0; bit < 128; bit++)
            {
                var mask = 0x80 >> (bit % 8);
                var expected = bit < prefix ? address[bit / 8] & mask : 0;
                Assert.Equal(expected, key[bit / 8] & mask);
            }
        });
    }

    [Fact]
    public void Of_Ipv4AndItsIpv4MappedForm_SameKeyTheIpv4Address()
    {
        Gen.Select(Gen.Byte.Array[4], Gen.Int[0, 128]).Sample((bytes, prefix) =>
        {
            var v4 = new IPAddress(bytes);
            Assert.Equal(v4, ClientGroup.Of(v4, prefix));
            Assert.Equal(v4, ClientGroup.Of(v4.MapToIPv6(), prefix));
        });
    }

    [Fact]
    public void Of_DifferentIpv4Addresses_DifferentKeys()
    {
        Gen.Select(Gen.UInt, Gen.UInt).Where((a, b) => a != b).Sample((a, b) =>
            Assert.NotEqual(ClientGroup.Of(new IPAddress(a), 64), ClientGroup.Of(new IPAddress(b).MapToIPv6(), 64)));
    }

    [Fact]
    public void Of_ScopedLinkLocal_ScopeDropped()
    {
        Assert.Equal(IPAddress.Parse("fe80::"), ClientGroup.Of(IPAddress.Parse("fe80::1%3"), 64));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(129)]
    public void Of_PrefixLengthOutOfRange_Throws(int prefix)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ClientGroup.Of(IPAddress.IPv6Loopback, prefix));
    }
}
