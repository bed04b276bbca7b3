using System.Buffers;
using System.Text;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Outbound;

/// <summary>
/// Feeds a server's bytes to an <see cref="SmtpReplyParser"/> the way <c>SmtpDeliveryClient</c>'s pipe does: chunk by
/// chunk, every unconsumed chunk kept as its own buffer segment, so line ends, digits and multi-byte characters
/// fall on segment boundaries somewhere.
/// </summary>
internal sealed class ReplyFeeder
{
    private readonly List<ReadOnlyMemory<byte>> _pending = [];

    public SmtpReplyParser Parser { get; } = new();

    /// <summary>Bytes received but not consumed by the parser.</summary>
    public byte[] Unconsumed => TestSequenceSegment.Create(_pending).ToArray();

    /// <summary>All replies in <paramref name="input"/> delivered in pieces of <paramref name="chunkSize"/> octets (0 = all at once).</summary>
    public static List<SmtpReply> ParseAll(byte[] input, int chunkSize)
    {
        var feeder = new ReplyFeeder();
        var replies = new List<SmtpReply>();
        var step = chunkSize == 0 ? Math.Max(1, input.Length) : chunkSize;
        for (var offset = 0; offset < input.Length; offset += step)
        {
            replies.AddRange(feeder.Receive(input.AsMemory(offset, Math.Min(step, input.Length - offset))));
        }

        Assert.Empty(feeder.Unconsumed);
        return replies;
    }

    public static List<SmtpReply> ParseAll(string input, int chunkSize) => ParseAll(Encoding.UTF8.GetBytes(input), chunkSize);

    /// <summary>Appends one read's bytes and returns every reply now complete (the parser is called until it wants more).</summary>
    public List<SmtpReply> Receive(ReadOnlyMemory<byte> bytes)
    {
        if (!bytes.IsEmpty)
        {
            _pending.Add(bytes);
        }

        var replies = new List<SmtpReply>();
        while (true)
        {
            var buffer = TestSequenceSegment.Create(_pending);
            var before = buffer.Length;
            var parsed = Parser.TryParse(ref buffer, out var reply);
            Consume(before - buffer.Length);
            if (!parsed)
            {
                return replies;
            }

            replies.Add(reply);
        }
    }

    public List<SmtpReply> Receive(string text) => Receive(Encoding.UTF8.GetBytes(text));

    private void Consume(long count)
    {
        while (count > 0)
        {
            var first = _pending[0];
            if (first.Length <= count)
            {
                count -= first.Length;
                _pending.RemoveAt(0);
            }
            else
            {
                _pending[0] = first[(int)count..];
                count = 0;
            }
        }
    }
}
