using System.Buffers;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// The bytes a host holds for a session, as the gateway's pumps hold them: each read appended (as one or more buffer
/// segments) to what the session left unconsumed. <see cref="Reads"/> cuts a step's bytes into reads.
/// </summary>
public sealed class FuzzInput
{
    private readonly List<ReadOnlyMemory<byte>> _pieces = [];

    public long Length { get; private set; }

    public ReadOnlySequence<byte> Sequence => TestSequenceSegment.Create(_pieces);

    /// <summary>
    /// The reads a step's bytes arrive in: one read without a splitter; otherwise random sizes, from single octets
    /// (so every line end, dot and multi-byte character falls on a boundary now and then) to large blocks.
    /// </summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Reads(byte[] bytes, Random? splitter)
    {
        if (splitter is null)
        {
            if (bytes.Length > 0)
            {
                yield return bytes;
            }

            yield break;
        }

        for (var offset = 0; offset < bytes.Length;)
        {
            var size = Math.Min(bytes.Length - offset, Size(splitter));
            yield return bytes.AsMemory(offset, size);
            offset += size;
        }
    }

    /// <summary>Appends one read, cut into several segments when a splitter is given.</summary>
    public void Append(ReadOnlyMemory<byte> read, Random? splitter)
    {
        if (_pieces.Count > 8)
        {
            var merged = Sequence.ToArray();
            _pieces.Clear();
            _pieces.Add(merged);
        }

        for (var offset = 0; offset < read.Length;)
        {
            var size = splitter is null ? read.Length : Math.Min(read.Length - offset, Size(splitter));
            _pieces.Add(read.Slice(offset, size));
            offset += size;
        }

        Length += read.Length;
    }

    /// <summary>Drops the first <paramref name="count"/> octets: what the session consumed.</summary>
    public void Consume(long count)
    {
        Length -= count;
        while (count > 0)
        {
            var first = _pieces[0];
            if (first.Length <= count)
            {
                count -= first.Length;
                _pieces.RemoveAt(0);
            }
            else
            {
                _pieces[0] = first[(int)count..];
                count = 0;
            }
        }
    }

    /// <summary>Drops everything held (clear text after STARTTLS is never given to the session).</summary>
    public void Clear()
    {
        _pieces.Clear();
        Length = 0;
    }

    /// <summary>True when a complete line is held: a session that is not in DATA must have answered it.</summary>
    public bool HoldsLineFeed => Sequence.PositionOf((byte)'\n') is not null;

    private static int Size(Random splitter) => splitter.Next(6) switch
    {
        0 or 1 => 1,
        2 => splitter.Next(2, 8),
        3 => splitter.Next(8, 64),
        4 => splitter.Next(64, 700),
        _ => int.MaxValue,
    };
}
