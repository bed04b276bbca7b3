using System.Buffers;
using System.Text;
using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// RETR/TOP data written in pieces (RFC 1939 §3 byte-stuffing): every piece size gives the same octets as
/// one piece, a piece boundary may fall anywhere (inside a line, right after a stuffed dot), and no piece is
/// much larger than asked for.
/// </summary>
public sealed class Pop3DotStufferTests
{
    private const string Tricky = "..first\r\nSubject: x\r\n\r\n.\r\n..two\r\nbare\nlf\r\n.last without line end";
    private const string TrickyStuffed = "...first\r\nSubject: x\r\n\r\n..\r\n...two\r\nbare\nlf\r\n..last without line end\r\n.\r\n";

    [Theory, ChunkSizes]
    public void WriteNext_AnyPieceSize_SameOctetsAsOnePiece(int pieceSize)
    {
        var (wire, pieces) = Stuff(new Pop3MessageContent(Encoding.ASCII.GetBytes(Tricky)), pieceSize <= 0 ? int.MaxValue : pieceSize);

        Assert.Equal(TrickyStuffed, wire);
        if (pieceSize > 0)
        {
            Assert.All(pieces, length => Assert.True(length <= pieceSize + 5, $"a piece of {length} octets for {pieceSize}"));
        }
    }

    [Theory]
    [InlineData(0, "..first\r\nSubject: x\r\n\r\n")]
    [InlineData(2, "..first\r\nSubject: x\r\n\r\n.\r\n..two\r\n")]
    public void WriteNext_TopWithBodyLines_StopsAfterThatManyBodyLines(int bodyLines, string expectedMessage)
    {
        var (wire, _) = Stuff(new Pop3MessageContent(Encoding.ASCII.GetBytes(Tricky), bodyLines), 3);

        var stuffed = string.Join("\r\n", expectedMessage.Split("\r\n").Select(line => line.StartsWith('.') ? "." + line : line));
        Assert.Equal(stuffed + ".\r\n", wire);
    }

    [Fact]
    public void WriteNext_EmptyMessage_OnlyTheTerminator()
    {
        Assert.Equal(".\r\n", Stuff(new Pop3MessageContent(ReadOnlyMemory<byte>.Empty), 1).Wire);
    }

    [Fact]
    public void WriteNext_MegabyteLineWithoutLineEnd_WrittenInBoundedPieces()
    {
        var message = new byte[1024 * 1024];
        message.AsSpan().Fill((byte)'a');

        var (wire, pieces) = Stuff(new Pop3MessageContent(message), 64 * 1024);

        Assert.Equal(message.Length + 5, wire.Length);
        Assert.True(pieces.Count >= 16, $"{pieces.Count} pieces");
        Assert.All(pieces, length => Assert.True(length <= 64 * 1024 + 3));
    }

    [Fact]
    public void WriteNext_AfterComplete_WritesNothing()
    {
        var stuffer = new Pop3DotStuffer(new Pop3MessageContent(Encoding.ASCII.GetBytes("a\r\n")));
        var output = new ArrayBufferWriter<byte>();
        Assert.True(stuffer.WriteNext(output, 100));

        Assert.True(stuffer.WriteNext(output, 100));

        Assert.Equal("a\r\n.\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
        Assert.Equal(6, stuffer.BytesWritten);
    }

    private static (string Wire, List<int> Pieces) Stuff(Pop3MessageContent content, int pieceSize)
    {
        var stuffer = new Pop3DotStuffer(content);
        var output = new ArrayBufferWriter<byte>();
        var pieces = new List<int>();
        bool complete;
        do
        {
            var before = output.WrittenCount;
            complete = stuffer.WriteNext(output, pieceSize);
            pieces.Add(output.WrittenCount - before);
        }
        while (!complete);

        Assert.Equal(output.WrittenCount, stuffer.BytesWritten);
        return (Encoding.Latin1.GetString(output.WrittenSpan), pieces);
    }
}
