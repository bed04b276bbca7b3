using System.Buffers;
using System.Reflection;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// What a session keeps between transactions. An idle connection must not pin the buffer of the last large
/// message for the rest of its life (SmtpSession.ResetTransaction promises this for buffers over 1 MB):
/// a thousand idle connections that each once sent 10 MB would otherwise hold 10+ GB.
/// </summary>
public sealed class SmtpSessionMemoryTests
{
    /// <summary>The session's message buffer, found by type so a rename of the field does not break the test.</summary>
    private static ArrayBufferWriter<byte> MessageBuffer(SmtpSession session)
    {
        var field = Assert.Single(
            typeof(SmtpSession).GetFields(BindingFlags.Instance | BindingFlags.NonPublic),
            f => f.FieldType == typeof(ArrayBufferWriter<byte>));
        return Assert.IsType<ArrayBufferWriter<byte>>(field.GetValue(session));
    }

    [Fact]
    public async Task Session_AfterLargeMessage_DoesNotKeepLargeBuffer()
    {
        var harness = new SmtpTestHarness();
        harness.Start();
        var line = new string('m', 998) + "\r\n";
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n");
        await harness.SendAsync(string.Concat(Enumerable.Repeat(line, 3000)) + ".\r\n");
        Assert.Equal(250, harness.Replies[^1].Code);
        Assert.Equal(3000 * 1000, SmtpTestHarness.SplitTrace(Assert.Single(harness.Sink.Deliveries).Content).Message.Length);

        var capacity = MessageBuffer(harness.Session).Capacity;

        Assert.True(capacity <= 1024 * 1024, $"an idle session still holds a {capacity}-byte message buffer");
    }

    [Fact]
    public async Task Data_EndlessLineFourTimesMaxMessageSize_BufferNeverGrowsPastTwiceTheLimitAndRefused552()
    {
        // Long lines are accepted by default, so nothing but the size limit stops a line that never ends.
        const int limit = 1024 * 1024;
        var harness = new SmtpTestHarness(o => o.MaxMessageSize = limit);
        harness.Start();
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n");
        var block = new string('z', 64 * 1024);
        for (var i = 0; i < 64; i++)
        {
            await harness.SendAsync(block);
        }

        var capacity = MessageBuffer(harness.Session).Capacity;
        await harness.SendAsync("\r\n.\r\n");

        // ArrayBufferWriter doubles, so the limit may be rounded up to the next power of two once.
        Assert.True(capacity <= 2 * limit, $"the session buffered {capacity} octets for a {limit}-octet limit");
        Assert.Equal(SmtpReplies.MessageTooBig, harness.Replies[^1]);
        Assert.Equal(0, harness.Sink.Attempts);
    }
}
