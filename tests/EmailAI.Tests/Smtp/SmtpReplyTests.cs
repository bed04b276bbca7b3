using System.Buffers;
using System.Text;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>The wire form written straight into a pipe is the same as the text form, and its length is known in advance.</summary>
public sealed class SmtpReplyTests
{
    public static TheoryData<SmtpReply> Replies() => new()
    {
        SmtpReplies.Help,
        SmtpReplies.StartMailInput,
        SmtpReplies.Ehlo("mx.example.com", "2001:db8::25", ["PIPELINING", "SIZE 10240000", "SMTPUTF8"]),
        new SmtpReply(550, "5.1.1", ["Grüße — 日本語 ✓ 😀", "second line"]),
        new SmtpReply(421, null, ""),
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void WriteTo_BufferWriter_SameOctetsAsTextFormAndWireLength(SmtpReply reply)
    {
        var output = new ArrayBufferWriter<byte>(1);

        reply.WriteTo(output);

        Assert.Equal(Encoding.UTF8.GetBytes(reply.ToString()), output.WrittenSpan.ToArray());
        Assert.Equal(output.WrittenCount, reply.WireLength);
    }
}
