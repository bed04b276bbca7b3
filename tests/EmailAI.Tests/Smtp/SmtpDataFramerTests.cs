using System.Buffers;
using System.Text;
using CsCheck;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// <see cref="SmtpDataFramer"/> by property: arbitrary byte streams (rich in CR, LF and dots), split at random
/// points, must frame exactly as when fed whole, and both must agree with a plain reference reading of
/// RFC 5321 §4.1.1.4/§4.5.2 (end only at CRLF.CRLF, one leading dot removed per line, lines ending in CRLF).
/// </summary>
public sealed class SmtpDataFramerTests
{
    private const long Iterations = 3000;

    private static readonly Gen<byte> WireByte = Gen.Frequency<byte>(
        (6, Gen.OneOf<byte>((byte)'\r', (byte)'\n', (byte)'.')),
        (3, Gen.OneOf<byte>((byte)'a', (byte)' ', (byte)':', (byte)'\t')),
        (1, Gen.Byte));

    private static readonly Gen<byte[]> Stream = WireByte.Array[0, 400];

    private static readonly Gen<int[]> Cuts = Gen.Int[0, 400].Array[0, 12];

    private static readonly Gen<SmtpOptions> AnyOptions = Gen.Select(Gen.Int[0, 300], Gen.Int[2, 40], Gen.Bool, Gen.Bool, Gen.Int[0, 80], Gen.Int[0, 200],
        (size, line, rejectBare, rejectLong, field, header) => new SmtpOptions
        {
            MaxMessageSize = size,
            MaxHeaderFieldSize = field,
            MaxHeaderSize = header,
            MaxDataLineLength = line,
            BareLineFeeds = rejectBare ? BareLineFeedPolicy.Reject : BareLineFeedPolicy.Normalize,
            LongLines = rejectLong ? LongLinePolicy.Reject : LongLinePolicy.Accept,
        });

    private static SmtpOptions Lenient(BareLineFeedPolicy bare = BareLineFeedPolicy.Normalize) => new()
    {
        MaxMessageSize = long.MaxValue,
        MaxHeaderFieldSize = long.MaxValue,
        MaxHeaderSize = long.MaxValue,
        MaxDataLineLength = int.MaxValue,
        BareLineFeeds = bare,
        LongLines = LongLinePolicy.Accept,
    };

    private sealed record Outcome(byte[] Stored, long End, SmtpDataDefects Defects, long Size)
    {
        /// <summary>Stored bytes count only for a message without defects: a refused message's partial text is discarded.</summary>
        public bool Equals(Outcome? other) =>
            other is not null && End == other.End && Defects == other.Defects && Size == other.Size
            && (Defects != SmtpDataDefects.None || Stored.AsSpan().SequenceEqual(other.Stored));

        public override int GetHashCode() => HashCode.Combine(End, Defects, Size);

        public override string ToString() => $"end {End}, defects {Defects}, size {Size}, stored \"{Escape(Stored)}\"";
    }

    private static string Escape(byte[] bytes) =>
        string.Concat(bytes.Select(b => b switch { (byte)'\r' => "\\r", (byte)'\n' => "\\n", < 32 or > 126 => $"\\x{b:X2}", _ => ((char)b).ToString() }));

    /// <summary>Feeds <paramref name="pieces"/> one call each, as reads arrive; End is the stream offset just past the end line, or -1.</summary>
    private static Outcome FrameInReads(SmtpOptions options, IEnumerable<byte[]> pieces)
    {
        var framer = new SmtpDataFramer(options);
        var output = new ArrayBufferWriter<byte>();
        long offset = 0;
        long end = -1;
        foreach (var piece in pieces)
        {
            var input = new ReadOnlySequence<byte>(piece);
            if (framer.Frame(input, output, out var consumed))
            {
                end = offset + input.Slice(input.Start, consumed).Length;
                break;
            }

            Assert.Equal(input.End, consumed);
            offset += piece.Length;
        }

        return new Outcome(output.WrittenSpan.ToArray(), end, framer.Defects, framer.Size);
    }

    /// <summary>Feeds all pieces in one call, as one multi-segment sequence (a pipe's chained buffers).</summary>
    private static Outcome FrameSegmented(SmtpOptions options, IReadOnlyList<byte[]> pieces)
    {
        var framer = new SmtpDataFramer(options);
        var output = new ArrayBufferWriter<byte>();
        var input = TestSequenceSegment.Create([.. pieces.Where(p => p.Length > 0).Select(p => (ReadOnlyMemory<byte>)p)]);
        var end = framer.Frame(input, output, out var consumed) ? input.Slice(input.Start, consumed).Length : -1;
        return new Outcome(output.WrittenSpan.ToArray(), end, framer.Defects, framer.Size);
    }

    private static List<byte[]> Split(byte[] stream, int[] cuts)
    {
        var points = cuts.Select(c => c % (stream.Length + 1)).Append(0).Append(stream.Length).Distinct().Order().ToArray();
        var pieces = new List<byte[]>();
        for (var i = 1; i < points.Length; i++)
        {
            pieces.Add(stream[points[i - 1]..points[i]]);
        }

        return pieces;
    }

    /// <summary>The end offset (just past the LF of ".CRLF") by the RFC's rule, the DATA command's CRLF counting; -1 if none.</summary>
    private static int ReferenceEnd(byte[] stream)
    {
        var at = ((byte[])[(byte)'\r', (byte)'\n', .. stream]).AsSpan().IndexOf("\r\n.\r\n"u8);
        return at < 0 ? -1 : at + 3;
    }

    /// <summary>The lines of the text before the end line: each ends at CRLF or a bare LF, loses one leading dot, is stored with CRLF.</summary>
    private static List<byte[]> ReferenceLines(byte[] stream, int end)
    {
        var text = stream.AsSpan(0, end - 3);
        var lines = new List<byte[]>();
        while (!text.IsEmpty)
        {
            var lf = text.IndexOf((byte)'\n');
            var line = text[..lf];
            text = text[(lf + 1)..];
            if (line.EndsWith("\r"u8))
            {
                line = line[..^1];
            }

            if (line.StartsWith("."u8))
            {
                line = line[1..];
            }

            lines.Add(line.ToArray());
        }

        return lines;
    }

    /// <summary>
    /// The header by RFC 5322's grammar over the stored lines: fields (a name of printable ASCII but the colon, spaces or
    /// tabs, a colon) and their continuation lines (begun by a space or tab), up to an empty line or any other line.
    /// Sizes count each line's CRLF.
    /// </summary>
    private static (long LargestField, long Header) ReferenceHeader(List<byte[]> lines)
    {
        long largest = 0, field = 0, header = 0;
        foreach (var line in lines)
        {
            var text = Encoding.Latin1.GetString(line);
            if (line.Length > 0 && line[0] is (byte)' ' or (byte)'\t')
            {
                field += line.Length + 2;
            }
            else if (System.Text.RegularExpressions.Regex.IsMatch(text, "^[\x21-\x39\x3B-\x7E]+[ \t]*:"))
            {
                field = line.Length + 2;
            }
            else
            {
                break;
            }

            header += line.Length + 2;
            largest = Math.Max(largest, field);
        }

        return (largest, header);
    }

    private static byte[] Join(List<byte[]> lines) => [.. lines.SelectMany(line => (byte[])[.. line, (byte)'\r', (byte)'\n'])];

    [Fact]
    public void Frame_AnyStreamSplitAtRandomPoints_SameOutcomeAsOneShot()
    {
        Gen.Select(AnyOptions, Stream, Cuts).Sample(
            (options, stream, cuts) =>
            {
                var whole = FrameInReads(options, [stream]);
                var pieces = Split(stream, cuts);
                Assert.Equal(whole, FrameInReads(options, pieces));
                Assert.Equal(whole, FrameSegmented(options, pieces));
                Assert.Equal(whole, FrameInReads(options, stream.Select(b => new[] { b })));
            },
            iter: Iterations);
    }

    [Fact]
    public void Frame_AnyStream_EndsOnlyAtFirstCrLfDotCrLf()
    {
        // No smuggling form (LF.LF, LF.CRLF, CRLF.LF, CR.CR, ...) ends the data, under any policy.
        Gen.Select(AnyOptions, Stream).Sample(
            (options, stream) => Assert.Equal(ReferenceEnd(stream), FrameInReads(options, [stream]).End),
            iter: Iterations);
    }

    [Fact]
    public void Frame_AnyStreamNormalizedWithoutLimits_StoresReferenceText()
    {
        Stream.Sample(
            stream =>
            {
                var end = ReferenceEnd(stream);
                if (end < 0)
                {
                    return;
                }

                var expected = Join(ReferenceLines(stream, end));
                var outcome = FrameInReads(Lenient(), [stream]);
                Assert.Equal(Escape(expected), Escape(outcome.Stored));
                Assert.Equal(SmtpDataDefects.None, outcome.Defects);
                Assert.Equal(expected.Length, outcome.Size);
            },
            iter: Iterations);
    }

    [Fact]
    public void Frame_AnyStreamAnyLimits_DefectsAreExactlyTheReferenceViolations()
    {
        Gen.Select(AnyOptions, Stream).Sample(
            (options, stream) =>
            {
                var end = ReferenceEnd(stream);
                if (end < 0)
                {
                    return;
                }

                var text = stream.AsSpan(0, end - 3);
                var lines = ReferenceLines(stream, end);
                var expected = SmtpDataDefects.None;
                if (options.BareLineFeeds == BareLineFeedPolicy.Reject)
                {
                    for (var i = 0; i < text.Length; i++)
                    {
                        if (text[i] == (byte)'\n' && (i == 0 || text[i - 1] != (byte)'\r'))
                        {
                            expected |= SmtpDataDefects.BareLineFeed;
                        }

                        if (text[i] == (byte)'\r' && text[i + 1] != (byte)'\n')
                        {
                            expected |= SmtpDataDefects.BareCarriageReturn;
                        }
                    }
                }

                if (options.LongLines == LongLinePolicy.Reject && lines.Any(line => line.Length + 2 > options.MaxDataLineLength))
                {
                    expected |= SmtpDataDefects.LineTooLong;
                }

                var (largestField, header) = ReferenceHeader(lines);
                if (largestField > options.MaxHeaderFieldSize)
                {
                    expected |= SmtpDataDefects.HeaderFieldTooBig;
                }

                if (header > options.MaxHeaderSize)
                {
                    expected |= SmtpDataDefects.HeaderTooBig;
                }

                var stored = Join(lines);
                if (stored.Length > options.MaxMessageSize)
                {
                    expected |= SmtpDataDefects.TooBig;
                }

                var outcome = FrameInReads(options, [stream]);
                Assert.Equal(expected, outcome.Defects);
                if (expected == SmtpDataDefects.None)
                {
                    Assert.Equal(Escape(stored), Escape(outcome.Stored));
                }

                Assert.True(outcome.Stored.Length <= options.MaxMessageSize, $"wrote {outcome.Stored.Length} octets past a limit of {options.MaxMessageSize}");
            },
            iter: Iterations);
    }

    [Fact]
    public void Frame_ContentDotStuffedByOurOutboundEncoder_RoundTripsWithBareLfAsCrLf()
    {
        Stream.Sample(
            content =>
            {
                var wire = new ArrayBufferWriter<byte>();
                SmtpDataEncoding.WriteDotStuffed(content, wire);
                var outcome = FrameInReads(Lenient(), [wire.WrittenSpan.ToArray()]);

                // What the session stores: a bare LF becomes CRLF; the encoder's added CRLF (content not ending in one) stays.
                var normalized = new List<byte>();
                for (var i = 0; i < content.Length; i++)
                {
                    if (content[i] == (byte)'\n' && (i == 0 || content[i - 1] != (byte)'\r'))
                    {
                        normalized.Add((byte)'\r');
                    }

                    normalized.Add(content[i]);
                }

                if (content.Length > 0 && !content.AsSpan().EndsWith("\r\n"u8))
                {
                    normalized.AddRange("\r\n"u8.ToArray());
                }

                Assert.Equal(wire.WrittenCount, outcome.End);
                Assert.Equal(Escape([.. normalized]), Escape(outcome.Stored));
            },
            iter: Iterations);
    }

    [Theory]
    [InlineData("..\r\n.\r\n", ".\r\n")]
    [InlineData(".\r\n", "")]
    [InlineData("a\n.\nb\n.\r\nc\r\n.\n\r\n.\r\n", "a\r\n\r\nb\r\n\r\nc\r\n\r\n\r\n")]
    [InlineData("bare\rcr\r\r\n.\r\n", "bare\rcr\r\r\n")]
    public void Frame_EdgeCases_StoredAsNormalized(string wire, string stored)
    {
        var outcome = FrameInReads(Lenient(), [Encoding.ASCII.GetBytes(wire)]);

        Assert.Equal(wire.Length, outcome.End);
        Assert.Equal(stored, Encoding.ASCII.GetString(outcome.Stored));
    }

    [Fact]
    public void Frame_EndlessLineWithoutLf_ConsumesEverythingAndStopsWritingAtMaxMessageSize()
    {
        var options = new SmtpOptions { MaxMessageSize = 10_000, LongLines = LongLinePolicy.Accept };
        var framer = new SmtpDataFramer(options);
        var output = new ArrayBufferWriter<byte>();
        var block = new ReadOnlySequence<byte>(Enumerable.Repeat((byte)'z', 4096).ToArray());

        for (var i = 0; i < 256; i++)
        {
            Assert.False(framer.Frame(block, output, out var consumed));
            Assert.Equal(block.End, consumed);
        }

        Assert.Equal(SmtpDataDefects.TooBig, framer.Defects);
        Assert.Equal(256 * 4096, framer.Size);
        Assert.True(output.WrittenCount <= 10_000, $"wrote {output.WrittenCount}");
    }
}
