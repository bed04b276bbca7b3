using System.Text;
using System.Text.RegularExpressions;
using CsCheck;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// The whole session by property: random pipelined conversations (commands, message text, bare CR/LF, dots,
/// fake ends of data), delivered in random chunks and answered in batches of a random reply bound, must give
/// the same replies and store the same messages as when delivered in one read with the default bound.
/// </summary>
public sealed partial class SmtpSessionPropertyTests
{
    private static readonly Gen<string> Token = Gen.OneOf(
        "EHLO a.example\r\n", "HELO b.example\r\n", "MAIL FROM:<s@remote.example>\r\n", "RCPT TO:<alice@example.com>\r\n",
        "RCPT TO:<x@else.example>\r\n", "DATA\r\n", "Subject: t\r\n", "line\r\n", ".\r\n", "..x\r\n", "\n", "\r", ".", "\r\n",
        "HELP\r\n", "RSET\r\n", "NOOP\r\n", "\r\n.\n", "\n.\r\n", "BOGUS\r\n", "QUIT\r\n");

    private static readonly Gen<string> Conversation = Token.Array[0, 60].Select(tokens => string.Concat(tokens));

    [GeneratedRegex("queued as [0-9A-Za-z]+|id [0-9A-Za-z]+")]
    private static partial Regex QueueId();

    private static async Task<(string Wire, string[] Messages)> RunAsync(string conversation, int chunkSize, int replyBound)
    {
        var harness = new SmtpTestHarness(o => o.MaxPendingReplyBytes = replyBound);
        harness.Start();
        await harness.SendAsync(Encoding.ASCII.GetBytes(conversation), chunkSize);
        var messages = harness.Sink.Deliveries
            .Select(d => Encoding.ASCII.GetString(SmtpTestHarness.SplitTrace(d.Content).Message))
            .ToArray();
        return (QueueId().Replace(harness.Wire, "{QID}"), messages);
    }

    [Fact]
    public void Session_AnyConversationAnyChunkingAnyReplyBound_SameRepliesAndStoredMessagesAsOneRead()
    {
        Gen.Select(Conversation, Gen.Int[1, 40], Gen.Int[0, 400]).Sample(
            (conversation, chunkSize, replyBound) =>
            {
                var whole = RunAsync(conversation, 0, 16 * 1024).GetAwaiter().GetResult();
                var split = RunAsync(conversation, chunkSize, replyBound).GetAwaiter().GetResult();
                Assert.Equal(whole.Wire, split.Wire);
                Assert.Equal(whole.Messages, split.Messages);
            },
            iter: 1500);
    }
}
