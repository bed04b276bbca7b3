using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace EmailAI.Tests.Routing;

/// <summary>The test DNS server's wire format, checked byte by byte against RFC 1035 §4 with raw sockets.</summary>
public sealed class FakeDnsServerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Query_ARecord_AuthoritativeAnswerOwnerPointsToQuestion()
    {
        await using var dns = FakeDnsServer.Start().A("mx1.example.test", "192.0.2.1");
        var query = Query(0xBEEF, "MX1.example.test", QueryType.A);

        var response = await UdpAsync(dns, query);

        var expected = new List<byte>
        {
            0xBE, 0xEF, // ID echoed
            0x85, 0x00, // QR, opcode 0, AA, RD echoed; RA 0, RCODE 0
            0, 1, 0, 1, 0, 0, 0, 0, // QDCOUNT 1, ANCOUNT 1, NSCOUNT 0, ARCOUNT 0
        };
        expected.AddRange(query[12..]); // the question as asked, case kept
        expected.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 192, 0, 2, 1]); // pointer to offset 12, A, IN, TTL 300, RDLENGTH 4
        Assert.Equal(expected, response);
        Assert.Equal([("MX1.example.test", QueryType.A, false)], dns.Queries);
    }

    [Fact]
    public async Task Query_MxRecord_ExchangeWrittenInFull()
    {
        await using var dns = FakeDnsServer.Start().Mx("example.test", 10, "mx.example.test.");
        var query = Query(1, "example.test", QueryType.MX);

        var response = await UdpAsync(dns, query);

        byte[] rdata = [0, 19, 0, 10, 2, .. "mx"u8, 7, .. "example"u8, 4, .. "test"u8, 0]; // RDLENGTH, preference, name
        Assert.Equal(rdata, response[(query.Length + 10)..]);
    }

    [Fact]
    public async Task Query_UnknownName_NxDomain()
    {
        await using var dns = FakeDnsServer.Start().A("mx1.example.test", "192.0.2.1");

        var response = await UdpAsync(dns, Query(2, "nowhere.example.test", QueryType.A));

        Assert.Equal(3, response[3] & 0x0F);
        Assert.Equal(0x04, response[2] & 0x04); // AA
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
    }

    [Fact]
    public async Task Query_ExistingNameOtherType_NoErrorWithoutAnswers()
    {
        await using var dns = FakeDnsServer.Start().A("mx1.example.test", "192.0.2.1");

        var response = await UdpAsync(dns, Query(3, "mx1.example.test", QueryType.AAAA));

        Assert.Equal(0, response[3] & 0x0F);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
    }

    [Fact]
    public async Task Query_CompressionPointerInQuestion_FormErrWithoutQuestion()
    {
        await using var dns = FakeDnsServer.Start();
        byte[] query = [0, 4, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1];

        var response = await UdpAsync(dns, query);

        byte[] header = [0, 4, 0x81, 1, 0, 0, 0, 0, 0, 0, 0, 0]; // QR, RD, RCODE 1, no sections
        Assert.Equal(header, response);
    }

    [Fact]
    public async Task Query_OverTcp_LengthPrefixedAnswer()
    {
        await using var dns = FakeDnsServer.Start().Aaaa("v6.example.test", "2001:db8::1");
        var query = Query(5, "v6.example.test", QueryType.AAAA);
        using var timeout = new CancellationTokenSource(Timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, dns.Port, timeout.Token);
        var stream = client.GetStream();

        await stream.WriteAsync((byte[])[0, (byte)query.Length, .. query], timeout.Token);
        var length = new byte[2];
        await stream.ReadExactlyAsync(length, timeout.Token);
        var response = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(response, timeout.Token);

        Assert.Equal(5, BinaryPrimitives.ReadUInt16BigEndian(response));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
        Assert.Equal(IPAddress.Parse("2001:db8::1").GetAddressBytes(), response[^16..]);
        Assert.Equal([("v6.example.test", QueryType.AAAA, true)], dns.Queries);
    }

    /// <summary>A standard query (RD set) with one question and no other sections.</summary>
    private static byte[] Query(ushort id, string name, QueryType type)
    {
        var query = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }

        query.AddRange([0, 0, (byte)type, 0, 1]);
        return [.. query];
    }

    private static async Task<byte[]> UdpAsync(FakeDnsServer dns, byte[] query)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var client = new UdpClient(AddressFamily.InterNetwork);
        await client.SendAsync(query, new IPEndPoint(IPAddress.Loopback, dns.Port), timeout.Token);
        return (await client.ReceiveAsync(timeout.Token)).Buffer;
    }
}
