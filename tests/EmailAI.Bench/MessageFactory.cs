using System.Globalization;
using System.Text;

namespace EmailAI.Bench;

/// <summary>
/// Generates the DATA payloads: an RFC 5322 message of about <c>size</c> bytes (before dot-stuffing) with a unique
/// Message-ID per message, US-ASCII, CRLF line endings, lines of at most 76 characters. The body is generated once
/// (deterministically) and shared; some body lines start with '.' so the dot-stuffing path is exercised.
/// </summary>
internal sealed class MessageFactory
{
    /// <summary>The end-of-data sequence; the body deliberately lacks a final CRLF, which this supplies.</summary>
    public static readonly ReadOnlyMemory<byte> Terminator = "\r\n.\r\n"u8.ToArray();

    private const int MaxLineLength = 76;
    private const int TypicalHeaderLength = 320;

    private static readonly string[] s_words =
    [
        "mail", "server", "queue", "delivery", "message", "inbox", "latency", "throughput", "grain", "silo",
        "append", "durable", "commit", "storage", "envelope", "recipient", "sender", "header", "body", "test",
        "lorem", "ipsum", "dolor", "sit", "amet", "quick", "brown", "fox", "jumps", "over", "lazy", "dog",
    ];

    private readonly string _from;
    private readonly string _to;
    private readonly string _idDomain;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..12];
    private readonly byte[] _body;
    private readonly string _extraHeader;

    /// <param name="extraHeader">Whole header fields (each ending in CRLF) put first in every message, e.g. a DKIM-Signature made by the <c>dns</c> command.</param>
    public MessageFactory(string from, string to, int size, string extraHeader = "")
    {
        _from = from;
        _to = to;
        _extraHeader = extraHeader;
        _idDomain = from.Contains('@') ? from[(from.IndexOf('@') + 1)..] : "bench.invalid";
        _body = BuildStuffedBody(Math.Max(MaxLineLength, size - TypicalHeaderLength));
    }

    /// <summary>The dot-stuffed body, without its final CRLF (see <see cref="Terminator"/>).</summary>
    public ReadOnlyMemory<byte> Body => _body;

    /// <summary>The header block (ending with the blank line) for message <paramref name="id"/>; unique per id within a run.</summary>
    public byte[] HeaderFor(string id)
    {
        var date = DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        var header =
            _extraHeader +
            FixedFields +
            $"Subject: EmailAI bench message {id}\r\n" +
            $"Date: {date}\r\n" +
            $"Message-ID: <{_runId}.{id}@{_idDomain}>\r\n" +
            "Content-Transfer-Encoding: 7bit\r\n" +
            "\r\n";
        return Encoding.ASCII.GetBytes(header);
    }

    /// <summary>The fields every message has with the same value: what a DKIM signature shared by all messages signs.</summary>
    public string FixedFields =>
        $"From: Bench Sender <{_from}>\r\n" +
        $"To: <{_to}>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n";

    /// <summary>
    /// One message as it is stored (dot-stuffing undone, RFC 5321 §4.5.2, with the final CRLF): the same fixed fields
    /// and body as every message, so a DKIM signature over <see cref="FixedFields"/> and the body made from it verifies
    /// on all of them.
    /// </summary>
    public byte[] SampleMessage()
    {
        var lines = Encoding.ASCII.GetString(_body).Split("\r\n").Select(l => l.StartsWith('.') ? l[1..] : l);
        return Encoding.ASCII.GetBytes(FixedFields + "Subject: sample\r\n\r\n" + string.Join("\r\n", lines) + "\r\n");
    }

    /// <summary>Lines of words up to <see cref="MaxLineLength"/>; every 16th line starts with '.', every 64th is a lone '.'.</summary>
    private static byte[] BuildStuffedBody(int targetLength)
    {
        var random = new Random(5322);
        var body = new StringBuilder(targetLength + 2 * MaxLineLength);
        var unstuffedLength = 0;
        var line = new StringBuilder(MaxLineLength);
        for (var lineNumber = 1; unstuffedLength < targetLength; lineNumber++)
        {
            line.Clear();
            if (lineNumber % 64 == 0)
            {
                line.Append('.');
            }
            else
            {
                if (lineNumber % 16 == 0)
                {
                    line.Append(". ");
                }
                var limit = Math.Min(MaxLineLength, targetLength - unstuffedLength);
                while (true)
                {
                    var word = s_words[random.Next(s_words.Length)];
                    var separator = line.Length == 0 || line[^1] == ' ' ? "" : " ";
                    if (line.Length + separator.Length + word.Length > limit && line.Length > 0)
                    {
                        break;
                    }
                    line.Append(separator).Append(word);
                }
            }
            if (body.Length > 0)
            {
                body.Append("\r\n");
            }
            unstuffedLength += line.Length + 2;
            // RFC 5321 4.5.2: a line starting with '.' gets one more '.' on the wire.
            body.Append(line[0] == '.' ? "." : "").Append(line);
        }
        return Encoding.ASCII.GetBytes(body.ToString());
    }
}
