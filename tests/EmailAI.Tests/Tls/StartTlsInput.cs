using System.Buffers;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Tls;

/// <summary>
/// Client bytes as the gateway's pumps hold them around STARTTLS/STLS: each read is appended (as its own segment)
/// to what the session left unconsumed, and the session is offered all of it while it answers. Once the session
/// asks for TLS, everything the client sent in clear that the session has not consumed, buffered or still to
/// arrive, is never given to it: it is counted in <see cref="Discarded"/> (in the real server, buffered bytes are
/// dropped and later ones fail the handshake).
/// </summary>
public sealed class StartTlsInput
{
    private readonly List<ReadOnlyMemory<byte>> _unconsumed = [];

    /// <summary>Clear-text octets sent after STARTTLS/STLS that the session was never given.</summary>
    public long Discarded { get; private set; }

    /// <summary>
    /// Delivers <paramref name="bytes"/> in reads of <paramref name="chunkSize"/> octets (0: one read).
    /// <paramref name="process"/> runs the session once and says how far it consumed and whether it answered.
    /// </summary>
    public async Task SendAsync(
        byte[] bytes,
        int chunkSize,
        Func<bool> tlsRequested,
        Func<ReadOnlySequence<byte>, Task<(SequencePosition Position, bool Answered)>> process)
    {
        var size = chunkSize <= 0 ? Math.Max(1, bytes.Length) : chunkSize;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var chunk = bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset));
            if (tlsRequested())
            {
                Discarded += chunk.Length;
                continue;
            }

            _unconsumed.Add(chunk);
            var input = TestSequenceSegment.Create(_unconsumed);
            while (true)
            {
                var (position, answered) = await process(input);
                input = input.Slice(position);
                if (tlsRequested())
                {
                    Discarded += input.Length;
                    input = ReadOnlySequence<byte>.Empty;
                    break;
                }

                if (!answered || input.IsEmpty)
                {
                    break;
                }
            }

            var rest = input.ToArray();
            _unconsumed.Clear();
            if (rest.Length > 0)
            {
                _unconsumed.Add(rest);
            }
        }
    }
}
