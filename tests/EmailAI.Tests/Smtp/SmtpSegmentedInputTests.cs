using System.Text;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// One long session whose bytes arrive as many small buffer segments within a read, so every CR, LF, dot and
/// multi-byte character lands on a segment boundary somewhere (as when a read spans a pipe's blocks).
/// </summary>
public sealed class SmtpSegmentedInputTests
{
    private static readonly string Line998 = new string('s', 997) + "e";

    private static readonly string Body =
        "From: δοκιμή@παράδειγμα.δοκιμή\r\nSubject: Привет\r\n\r\n.\r\n..two\r\n" + Line998 + "\r\n\r\nend.\r\n";

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(3, 0)]
    [InlineData(7, 0)]
    [InlineData(1, 64)]
    [InlineData(2, 7)]
    [InlineData(3, 512)]
    public async Task Session_InputSplitIntoSmallSegments_SameRepliesAndBytes(int segmentSize, int chunkSize)
    {
        // The strict policies, so the refusals of a bare LF and of a long line are framed across segments too.
        var harness = new SmtpTestHarness(o => (o.BareLineFeeds, o.LongLines) = (BareLineFeedPolicy.Reject, LongLinePolicy.Reject)) { SegmentSize = segmentSize };
        harness.Policy.AddMailbox("пользователь@example.com", "mbx-utf8");
        var transcript = Transcript.Parse("""
            S: 220 mx.example.com ESMTP EmailAI ready
            C: EHLO client.example.net
            S: 250-mx.example.com Hello [192.0.2.10]
            S: 250-PIPELINING
            S: 250-SIZE 10240000
            S: 250-8BITMIME
            S: 250-ENHANCEDSTATUSCODES
            S: 250 SMTPUTF8
            C: MAIL FROM:<δοκιμή@παράδειγμα.δοκιμή> SMTPUTF8 BODY=8BITMIME
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<пользователь@example.com>
            S: 250 2.1.5 Recipient OK
            C: RCPT TO:<"a@b>c"@elsewhere.example>
            S: 554 5.7.1 Relay access denied
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            """)
            .ClientRaw(DotStuff(Body) + ".\r\n")
            .Server("250 2.0.0 OK queued as {QID}")
            .Append("""
                C: MAIL FROM:<sender@remote.example>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<alice@example.com>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 Start mail input; end with <CRLF>.<CRLF>
                """)
            .ClientRaw("Subject: smuggle\r\n\r\nx\n.\nMAIL FROM:<evil@remote.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\ny\r\n.\r\n")
            .Server("554 5.6.0 Message contains a bare CR or LF; lines must end in CRLF (RFC 5321 §2.3.8)")
            .Client("NOOP " + new string('n', 506))
            .Server("500 5.5.2 Line too long")
            .Append("""
                C: MAIL FROM:<sender@remote.example>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<bob@example.com>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 Start mail input; end with <CRLF>.<CRLF>
                """)
            .ClientRaw(new string('w', 999) + "\r\n.\r\n")
            .Server("554 5.6.0 Message contains a line longer than 998 octets (RFC 5322 §2.1.1)")
            .Append("""
                C: QUIT
                S: 221 2.0.0 mx.example.com closing connection
                """);

        await harness.RunAsync(transcript, chunkSize);

        var (envelope, content) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("mbx-utf8", Assert.Single(envelope.Recipients).Route.ToString());
        Assert.Equal(Encoding.UTF8.GetBytes(Body), SmtpTestHarness.SplitTrace(content).Message);
        Assert.Equal(1, harness.Sink.Attempts);
        Assert.Equal(0, harness.UnconsumedBytes);
    }

    /// <summary>RFC 5321 §4.5.2: a line that starts with a dot gets one more.</summary>
    private static string DotStuff(string text) =>
        string.Concat(text.Split("\r\n")[..^1].Select(line => (line.StartsWith('.') ? "." : "") + line + "\r\n"));
}
