using System.Net.Sockets;
using System.Text;

namespace EmailAI.Tests.Fuzz.Admin;

/// <summary>
/// One HTTP/1.1 request over a fresh loopback connection, written byte for byte (the request target goes out exactly
/// as given: no client-side <c>..</c> removal or re-encoding, which <see cref="HttpClient"/> would do), and the
/// response read to the close (<c>Connection: close</c>), chunked bodies decoded. A connection the server drops
/// without a complete response is an <see cref="IOException"/>.
/// </summary>
public static class RawHttpExchange
{
    public sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public string? ContentType => Headers.GetValueOrDefault("content-type");
    }

    public static async Task<Response> SendAsync(int port, string method, string target, IReadOnlyList<(string Name, string Value)> headers, byte[]? body, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
        var stream = client.GetStream();
        var head = new StringBuilder().Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (body is not null)
        {
            head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cancellationToken);
        if (body is not null)
        {
            try
            {
                await stream.WriteAsync(body, cancellationToken);
            }
            catch (IOException)
            {
                // The server may answer (413) and close before reading a large body: its answer is still read below.
            }
        }

        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, cancellationToken);
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the response (the unread part of a refused body): what arrived is the answer.
        }

        return Parse(received.ToArray());
    }

    private static Response Parse(byte[] raw)
    {
        var end = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new IOException($"the connection closed without a complete response ({raw.Length} octets)");
        }

        var lines = Encoding.Latin1.GetString(raw, 0, end).Split("\r\n");
        var status = lines[0].Split(' ');
        if (status.Length < 2 || !int.TryParse(status[1], out var code))
        {
            throw new IOException($"not an HTTP status line: {lines[0]}");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        var body = raw[(end + 4)..];
        if (headers.TryGetValue("transfer-encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return new Response(code, headers, body);
    }

    private static byte[] Dechunk(byte[] body)
    {
        using var output = new MemoryStream();
        var at = 0;
        while (true)
        {
            var lineEnd = body.AsSpan(at).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                throw new IOException("a chunked body cut off before its last chunk");
            }

            var size = Convert.ToInt32(Encoding.ASCII.GetString(body, at, lineEnd).Split(';')[0], 16);
            at += lineEnd + 2;
            if (size == 0)
            {
                return output.ToArray();
            }

            if (at + size > body.Length)
            {
                throw new IOException("a chunked body cut off inside a chunk");
            }

            output.Write(body, at, size);
            at += size + 2;
        }
    }
}
