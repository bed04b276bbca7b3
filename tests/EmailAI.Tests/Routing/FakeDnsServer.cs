using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace EmailAI.Tests.Routing;

/// <summary>
/// A minimal authoritative DNS server for tests (RFC 1035 §4): UDP and TCP on 127.0.0.1, the same ephemeral
/// port for both, class IN only, records A, AAAA and MX configured in code. A name without records or a
/// behaviour does not exist (NXDOMAIN); a name with records but none of the asked type answers NOERROR with no
/// answer (NODATA). Per name, and optionally per type, a behaviour overrides that: NXDOMAIN, SERVFAIL, NODATA or
/// Drop (the query is counted and never answered). Names compare case-insensitively (RFC 4343); the question is
/// echoed as asked and each answer's owner is a compression pointer to it (§4.1.4). The server speaks no EDNS,
/// so a UDP answer over 512 octets is sent truncated (TC, no answers) and the client retries over TCP (§4.2.1).
/// Configure zones before the code under test runs; configuration and queries may overlap safely.
/// </summary>
public sealed class FakeDnsServer : IAsyncDisposable
{
    private const int HeaderLength = 12;
    private const int MaxUdpLength = 512;
    private const ushort ClassIn = 1;
    private const ushort TypeAny = 255;
    private const uint Ttl = 300;

    private const byte RcodeNoError = 0;
    private const byte RcodeFormErr = 1;
    private const byte RcodeServFail = 2;
    private const byte RcodeNxDomain = 3;
    private const byte RcodeNotImp = 4;
    private const byte RcodeRefused = 5;

    private readonly object _gate = new();
    private readonly Dictionary<string, List<(ushort Type, byte[] Data)>> _records = [];
    private readonly Dictionary<(string Name, ushort Type), Behaviour> _behaviours = [];
    private readonly ConcurrentQueue<(string Name, QueryType Type, bool Tcp)> _queries = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly UdpClient _udp;
    private readonly TcpListener _tcp;
    private readonly ConcurrentDictionary<TcpClient, Task> _connections = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private int _queryCount;

    private FakeDnsServer(UdpClient udp, TcpListener tcp)
    {
        _udp = udp;
        _tcp = tcp;
        Port = ((IPEndPoint)tcp.LocalEndpoint).Port;
        _udpLoop = ServeUdpAsync();
        _tcpLoop = AcceptTcpAsync();
    }

    private enum Behaviour
    {
        NxDomain,
        ServFail,
        NoData,
        Drop,
    }

    public int Port { get; }

    /// <summary>Every query received, parsed or not, answered or dropped.</summary>
    public int QueryCount => Volatile.Read(ref _queryCount);

    /// <summary>The questions received, in order of arrival.</summary>
    public IReadOnlyList<(string Name, QueryType Type, bool Tcp)> Queries => [.. _queries];

    /// <summary>Binds TCP to an ephemeral port of 127.0.0.1, then UDP to the same port (retried if UDP's is taken).</summary>
    public static FakeDnsServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            try
            {
                var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)tcp.LocalEndpoint).Port));
                return new FakeDnsServer(udp, tcp);
            }
            catch (SocketException) when (attempt < 20)
            {
                tcp.Stop();
            }
        }
    }

    /// <summary>
    /// Binds TCP and UDP to <paramref name="endpoint"/>: a fixed address and port, such as port 53 of a loopback
    /// address for a resolver that cannot be given a port (the C library's, as the benchmark's reference milters use).
    /// </summary>
    public static FakeDnsServer Start(IPEndPoint endpoint)
    {
        var tcp = new TcpListener(endpoint);
        tcp.Start();
        try
        {
            return new FakeDnsServer(new UdpClient(endpoint), tcp);
        }
        catch
        {
            tcp.Stop();
            throw;
        }
    }

    public FakeDnsServer Mx(string name, ushort preference, string exchange)
    {
        var data = new List<byte>();
        WriteUInt16(data, preference);
        WriteName(data, exchange);
        return Add(name, QueryType.MX, [.. data]);
    }

    public FakeDnsServer A(string name, params string[] addresses)
    {
        foreach (var address in addresses)
        {
            var parsed = IPAddress.Parse(address);
            if (parsed.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new ArgumentException($"{address} is not IPv4", nameof(addresses));
            }

            Add(name, QueryType.A, parsed.GetAddressBytes());
        }

        return this;
    }

    public FakeDnsServer Aaaa(string name, params string[] addresses)
    {
        foreach (var address in addresses)
        {
            var parsed = IPAddress.Parse(address);
            if (parsed.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw new ArgumentException($"{address} is not IPv6", nameof(addresses));
            }

            Add(name, QueryType.AAAA, parsed.GetAddressBytes());
        }

        return this;
    }

    /// <summary>
    /// A TXT record (RFC 1035 §3.3.14) holding <paramref name="text"/>: split into character-strings of at most 255
    /// octets, as a zone file splits a long DKIM key; a reader joins them without separators (RFC 7208 §3.3, RFC 6376
    /// §3.6.2.2). Each call adds one record.
    /// </summary>
    public FakeDnsServer Txt(string name, string text) => TxtStrings(name, Chunk(Encoding.UTF8.GetBytes(text)));

    /// <summary>One TXT record made of exactly these character-strings (each at most 255 octets).</summary>
    public FakeDnsServer TxtStrings(string name, params byte[][] strings)
    {
        var data = new List<byte>();
        foreach (var chunk in strings)
        {
            if (chunk.Length > 255)
            {
                throw new ArgumentException("a character-string holds at most 255 octets", nameof(strings));
            }

            data.Add((byte)chunk.Length);
            data.AddRange(chunk);
        }

        return Add(name, QueryType.TXT, [.. data]);
    }

    /// <summary>A PTR record (RFC 1035 §3.3.12): <paramref name="name"/> is the reverse name, e.g. 4.3.2.1.in-addr.arpa.</summary>
    public FakeDnsServer Ptr(string name, string target)
    {
        var data = new List<byte>();
        WriteName(data, target);
        return Add(name, QueryType.PTR, [.. data]);
    }

    /// <summary>A PTR record for <paramref name="address"/>'s reverse name (in-addr.arpa or ip6.arpa).</summary>
    public FakeDnsServer PtrFor(string address, string target) => Ptr(ReverseName(IPAddress.Parse(address)), target);

    /// <summary>The reverse-lookup name of an address (RFC 1035 §3.5, RFC 3596 §2.5).</summary>
    public static string ReverseName(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return string.Join('.', bytes.Reverse()) + ".in-addr.arpa";
        }

        var nibbles = bytes.SelectMany(b => new[] { b >> 4, b & 0xF }).Reverse().Select(n => n.ToString("x"));
        return string.Join('.', nibbles) + ".ip6.arpa";
    }

    private static byte[][] Chunk(byte[] text) =>
        text.Length == 0 ? [[]] : [.. text.Chunk(255)];

    /// <summary>The name does not exist (RCODE 3), whatever records it has.</summary>
    public FakeDnsServer NxDomain(string name) => Set(name, null, Behaviour.NxDomain);

    /// <summary>Server failure (RCODE 2) for the name, or only for one type of it.</summary>
    public FakeDnsServer ServFail(string name, QueryType? type = null) => Set(name, type, Behaviour.ServFail);

    /// <summary>The name exists but has no records of the type (NOERROR, no answers): for all types or one.</summary>
    public FakeDnsServer NoData(string name, QueryType? type = null) => Set(name, type, Behaviour.NoData);

    /// <summary>Queries for the name (or one type of it) are counted and never answered: the client times out.</summary>
    public FakeDnsServer Drop(string name, QueryType? type = null) => Set(name, type, Behaviour.Drop);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp.Stop();
        foreach (var client in _connections.Keys)
        {
            client.Dispose();
        }

        await Task.WhenAll([_udpLoop, _tcpLoop, .. _connections.Values]).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private FakeDnsServer Add(string name, QueryType type, byte[] data)
    {
        lock (_gate)
        {
            var key = Normalize(name);
            if (!_records.TryGetValue(key, out var list))
            {
                _records[key] = list = [];
            }

            list.Add(((ushort)type, data));
        }

        return this;
    }

    private FakeDnsServer Set(string name, QueryType? type, Behaviour behaviour)
    {
        lock (_gate)
        {
            _behaviours[(Normalize(name), (ushort)(type ?? 0))] = behaviour;
        }

        return this;
    }

    /// <summary>Zone keys: lower case (RFC 4343 case-insensitive comparison), no trailing root dot.</summary>
    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    private async Task ServeUdpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                continue; // ICMP port unreachable from an earlier answer to a client that had gone
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            if (Answer(received.Buffer, tcp: false) is { } response)
            {
                try
                {
                    await _udp.SendAsync(response, received.RemoteEndPoint, _stop.Token);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // The server is stopping, or the client's port is gone: a lost datagram, as on a real network.
                }
            }
        }
    }

    private async Task AcceptTcpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _tcp.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _connections[client] = ServeTcpAsync(client);
        }
    }

    /// <summary>RFC 1035 §4.2.2: each message is prefixed with its length in two octets; several per connection.</summary>
    private async Task ServeTcpAsync(TcpClient client)
    {
        await Task.Yield();
        try
        {
            var stream = client.GetStream();
            var length = new byte[2];
            while (true)
            {
                await stream.ReadExactlyAsync(length, _stop.Token);
                var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                await stream.ReadExactlyAsync(query, _stop.Token);
                if (Answer(query, tcp: true) is { } response)
                {
                    var framed = new byte[response.Length + 2];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)response.Length);
                    response.CopyTo(framed, 2);
                    await stream.WriteAsync(framed, _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client closed the connection (EndOfStreamException is an IOException), or the server is stopping.
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>The response to one query message, or null to send nothing (not a query, too short to answer, or dropped).</summary>
    private byte[]? Answer(byte[] query, bool tcp)
    {
        Interlocked.Increment(ref _queryCount);
        if (query.Length < HeaderLength || (query[2] & 0x80) != 0)
        {
            return null; // no header to echo, or a response
        }

        var opcode = (query[2] >> 3) & 0x0F;
        var questions = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4));
        if (opcode != 0)
        {
            return Response(query, question: null, RcodeNotImp, authoritative: false, []);
        }

        if (questions != 1 || !TryReadQuestion(query, out var question, out var qname, out var qtype, out var qclass))
        {
            return Response(query, question: null, RcodeFormErr, authoritative: false, []);
        }

        _queries.Enqueue((qname, (QueryType)qtype, tcp));
        var key = Normalize(qname);
        if (qclass != ClassIn)
        {
            return Response(query, question, RcodeRefused, authoritative: false, []);
        }

        Behaviour? behaviour;
        List<byte[]> answers;
        bool exists;
        lock (_gate)
        {
            behaviour = _behaviours.TryGetValue((key, qtype), out var b) || _behaviours.TryGetValue((key, 0), out b) ? b : null;
            exists = _records.TryGetValue(key, out var records);
            answers = records?.Where(r => qtype == TypeAny || r.Type == qtype).Select(r => AnswerRecord(r.Type, r.Data)).ToList() ?? [];
        }

        byte[]? response = behaviour switch
        {
            Behaviour.Drop => null,
            Behaviour.NxDomain => Response(query, question, RcodeNxDomain, authoritative: true, []),
            Behaviour.ServFail => Response(query, question, RcodeServFail, authoritative: false, []),
            Behaviour.NoData => Response(query, question, RcodeNoError, authoritative: true, []),
            _ when !exists => Response(query, question, RcodeNxDomain, authoritative: true, []),
            _ => Response(query, question, RcodeNoError, authoritative: true, answers),
        };

        // RFC 1035 §4.2.1: over UDP at most 512 octets; else set TC and let the client ask again over TCP.
        return response is { Length: > MaxUdpLength } && !tcp
            ? Response(query, question, RcodeNoError, authoritative: true, [], truncated: true)
            : response;
    }

    /// <summary>§4.1.2: QNAME as labels up to the root (no compression in a query), QTYPE, QCLASS.</summary>
    private static bool TryReadQuestion(byte[] query, out ReadOnlyMemory<byte> question, out string name, out ushort type, out ushort @class)
    {
        question = default;
        name = "";
        type = 0;
        @class = 0;
        var labels = new List<string>();
        var offset = HeaderLength;
        while (true)
        {
            if (offset >= query.Length)
            {
                return false;
            }

            int length = query[offset++];
            if (length == 0)
            {
                break;
            }

            // Two top bits set: a compression pointer; the others are reserved (§4.1.4). Names are at most 255 octets.
            if (length > 63 || offset + length > query.Length || offset - HeaderLength + length > 255)
            {
                return false;
            }

            labels.Add(Encoding.ASCII.GetString(query, offset, length));
            offset += length;
        }

        if (offset + 4 > query.Length)
        {
            return false;
        }

        type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset));
        @class = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset + 2));
        question = query.AsMemory(HeaderLength, offset + 4 - HeaderLength);
        name = string.Join('.', labels);
        return true;
    }

    /// <summary>§4.1.1 header (ID, opcode and RD echoed; QR set; RA clear), the question as asked, the answers.</summary>
    private static byte[] Response(byte[] query, ReadOnlyMemory<byte>? question, byte rcode, bool authoritative, List<byte[]> answers, bool truncated = false)
    {
        var message = new List<byte>(MaxUdpLength)
        {
            query[0],
            query[1],
            (byte)(0x80 | (query[2] & 0x78) | (authoritative ? 0x04 : 0) | (truncated ? 0x02 : 0) | (query[2] & 0x01)),
            rcode,
        };
        WriteUInt16(message, (ushort)(question is null ? 0 : 1));
        WriteUInt16(message, (ushort)answers.Count);
        WriteUInt16(message, 0); // NSCOUNT
        WriteUInt16(message, 0); // ARCOUNT
        if (question is { } q)
        {
            message.AddRange(q.Span);
        }

        foreach (var answer in answers)
        {
            message.AddRange(answer);
        }

        return [.. message];
    }

    /// <summary>§4.1.3 resource record; the owner is a pointer to the question's QNAME at offset 12 (§4.1.4).</summary>
    private static byte[] AnswerRecord(ushort type, byte[] data)
    {
        var record = new List<byte> { 0xC0, HeaderLength };
        WriteUInt16(record, type);
        WriteUInt16(record, ClassIn);
        WriteUInt16(record, (ushort)(Ttl >> 16));
        WriteUInt16(record, (ushort)Ttl);
        WriteUInt16(record, (ushort)data.Length);
        record.AddRange(data);
        return [.. record];
    }

    /// <summary>A domain name in full (§3.1): length-prefixed labels ending with the root's empty label; "." is the root alone.</summary>
    private static void WriteName(List<byte> message, string name)
    {
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bytes = Encoding.ASCII.GetBytes(label);
            if (bytes.Length is 0 or > 63)
            {
                throw new ArgumentException($"label '{label}' of {name} is not 1-63 octets", nameof(name));
            }

            message.Add((byte)bytes.Length);
            message.AddRange(bytes);
        }

        message.Add(0);
    }

    private static void WriteUInt16(List<byte> message, ushort value)
    {
        message.Add((byte)(value >> 8));
        message.Add((byte)value);
    }
}
