using System.Buffers;
using System.Text;

namespace EmailAI.Protocols.Pop3;

/// <summary>
/// One POP3 response as the session hands it to its host: the lines to send (the status line and, for a
/// multi-line listing such as CAPA, LIST or UIDL, its lines and the final "."), and for RETR and TOP the
/// message that follows the status line. The message is not copied into the response: the host streams it
/// with a <see cref="Pop3DotStuffer"/> in bounded pieces, so a large message never becomes one big buffer.
/// </summary>
public sealed record Pop3Response(IReadOnlyList<string> Lines, Pop3MessageContent? Content = null)
{
    /// <summary>A single-line response (a status line without CRLF).</summary>
    public Pop3Response(string statusLine)
        : this([statusLine])
    {
    }

    /// <summary>The first line: "+OK …", "-ERR …" or the SASL continuation "+ ".</summary>
    public string StatusLine => Lines[0];

    /// <summary>RFC 1939 §3: a negative status indicator.</summary>
    public bool IsError => StatusLine.StartsWith("-ERR", StringComparison.Ordinal);

    /// <summary>Writes <see cref="Lines"/> in wire form (UTF-8, each line ending in CRLF); returns the octets written.</summary>
    public int WriteLinesTo(IBufferWriter<byte> output)
    {
        var total = 0;
        foreach (var line in Lines)
        {
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 2);
            var written = Encoding.UTF8.GetBytes(line, span);
            span[written] = (byte)'\r';
            span[written + 1] = (byte)'\n';
            output.Advance(written + 2);
            total += written + 2;
        }

        return total;
    }
}
