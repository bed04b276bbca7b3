using System.Net.Sockets;
using System.Text;

namespace EmailAI.Tests.Outbound;

/// <summary>The server side of one scripted connection. Reads octet by octet, so nothing is read ahead of a line.</summary>
internal sealed class ScriptedConnection(Socket socket, NetworkStream stream, CancellationToken cancellationToken)
{
    public NetworkStream Stream => stream;

    /// <summary>Octets the client has sent that no read has taken yet.</summary>
    public int Available => socket.Available;

    /// <summary>Sends <paramref name="text"/> in one write (so it arrives in one segment on loopback).</summary>
    public async Task WriteAsync(string text)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>The next line without its CRLF, or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync()
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(one, cancellationToken);
            }
            catch (IOException) when (line.Count == 0)
            {
                // Reset by the client: as good as end of stream here.
                return null;
            }

            if (read == 0)
            {
                return line.Count == 0 ? null : Encoding.UTF8.GetString([.. line]);
            }

            if (one[0] == (byte)'\n')
            {
                var text = Encoding.UTF8.GetString([.. line]);
                return text.EndsWith('\r') ? text[..^1] : text;
            }

            line.Add(one[0]);
        }
    }

    /// <summary>Reads the DATA content up to the ".CRLF" line, dot-unstuffed.</summary>
    public async Task<string> ReadDataAsync()
    {
        var content = new StringBuilder();
        while (await ReadLineAsync() is { } line)
        {
            if (line == ".")
            {
                return content.ToString();
            }

            content.Append(line.StartsWith('.') ? line[1..] : line).Append("\r\n");
        }

        throw new IOException("the client closed the connection in the middle of DATA");
    }

    /// <summary>Reads one line and checks it is <paramref name="expected"/>.</summary>
    public async Task ExpectAsync(string expected)
    {
        var line = await ReadLineAsync();
        Assert.Equal(expected, line);
    }
}
