using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Smtp;
using EmailAI.Tests.Transcripts;
using static EmailAI.Tests.Auth.SmtpAuthHarness;

namespace EmailAI.Tests.Auth;

/// <summary>
/// Submission (RFC 6409) in the engine: AUTH before MAIL on 587/465, the sender check of an authenticated session,
/// the Received protocol and TLS comment, and the Date/Message-ID a submitted message gets when it lacks them.
/// </summary>
public sealed class SmtpSubmissionTests
{
    private static readonly string Date = SmtpSession.FormatDate(SmtpTestHarness.StartTime);

    private static async Task<SmtpTestHarness> RunAsync(string transcript, int chunkSize, SmtpTestHarness harness)
    {
        await harness.RunAsync(Transcript.Parse(transcript), chunkSize);
        return harness;
    }

    [Theory, ChunkSizes(SmtpEndpoint.Submission, SmtpEndpoint.Submissions)]
    public async Task Submission_MailBeforeAuth_530AndNoTransaction(SmtpEndpoint endpoint, int chunkSize)
    {
        var harness = await RunAsync(EhloWithAuth + """

            C: MAIL FROM:<alice@example.com>
            S: 530 5.7.0 Authentication required
            C: RCPT TO:<bob@example.com>
            S: 503 5.5.1 Need MAIL command
            C: DATA
            S: 503 5.5.1 Need MAIL command
            C: VRFY alice
            S: 252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery
            C: EXPN staff
            S: 502 5.5.1 Command not implemented
            """, chunkSize, Create(endpoint));

        Assert.Empty(harness.Policy.Calls);
    }

    [Theory, ChunkSizes]
    public async Task Submission_WithoutTls_AuthNotOfferedAndMailRefused(int chunkSize)
    {
        await RunAsync($"""
            {SmtpOpenings.Ehlo}
            C: AUTH PLAIN {AlicePlain}
            S: 538 5.7.11 Encryption required for requested authentication mechanism
            C: MAIL FROM:<alice@example.com>
            S: 530 5.7.0 Authentication required
            """, chunkSize, Create(SmtpEndpoint.Submission, tls: false));
    }

    [Theory, ChunkSizes]
    public async Task Submission_AfterAuth_OwnSenderAcceptedOtherRefused553(int chunkSize)
    {
        var senders = new FakeSenderPolicy();
        var harness = await RunAsync(Authenticated + """

            C: MAIL FROM:<mallory@example.com>
            S: 553 5.7.1 Sender address not owned by the authenticated user
            C: MAIL FROM:<Alice@Example.com> SIZE=100
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<bob@example.com>
            S: 250 2.1.5 Recipient OK
            """, chunkSize, Create(SmtpEndpoint.Submission, senders: senders));

        Assert.Equal(2, senders.Calls.Count);
        Assert.All(senders.Calls, call => Assert.Equal("alice@example.com", call.Session.AuthenticatedIdentity));
        var rejection = Assert.Single(harness.Events.Rejections);
        Assert.Equal(("<mallory@example.com>", "sender <mallory@example.com> is not alice@example.com"), (rejection.Sender, rejection.Reason));
    }

    [Theory, ChunkSizes]
    public async Task Submission_NullSender_NotCheckedAndAccepted(int chunkSize)
    {
        // Postfix's reject_sender_login_mismatch skips <>: a bounce or receipt names no address to impersonate.
        var senders = new FakeSenderPolicy();
        await RunAsync(Authenticated + """

            C: MAIL FROM:<>
            S: 250 2.1.0 Sender OK
            """, chunkSize, Create(SmtpEndpoint.Submission, senders: senders));

        Assert.Empty(senders.Calls);
    }

    [Theory, ChunkSizes]
    public async Task Submission_SenderPolicyThrows_451ThenRetryAccepted(int chunkSize)
    {
        var harness = await RunAsync(Authenticated + """

            C: MAIL FROM:<alice@example.com>
            S: 451 4.3.0 Temporary local problem, please try again later
            C: MAIL FROM:<alice@example.com>
            S: 250 2.1.0 Sender OK
            """, chunkSize, Create(SmtpEndpoint.Submission, senders: new FakeSenderPolicy { ThrowOnNext = 1 }));

        Assert.Equal(0, harness.Session.Counts.Errors);
    }

    [Theory, ChunkSizes]
    public async Task Port25_Unauthenticated_NoSenderCheckLocalRecipientAccepted(int chunkSize)
    {
        var senders = new FakeSenderPolicy();
        await RunAsync(EhloWithAuth + """

            C: MAIL FROM:<anyone@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            """, chunkSize, Create(SmtpEndpoint.Mta, senders: senders));

        Assert.Empty(senders.Calls);
    }

    [Theory]
    [InlineData(false, false, false, false, "SMTP")]
    [InlineData(false, false, true, true, "SMTP")]
    [InlineData(true, false, false, false, "ESMTP")]
    [InlineData(true, false, true, false, "ESMTPS")]
    [InlineData(true, false, false, true, "ESMTPA")]
    [InlineData(true, false, true, true, "ESMTPSA")]
    [InlineData(true, true, false, false, "UTF8SMTP")]
    [InlineData(true, true, true, false, "UTF8SMTPS")]
    [InlineData(true, true, false, true, "UTF8SMTPA")]
    [InlineData(true, true, true, true, "UTF8SMTPSA")]
    public void TraceProtocol_Rfc3848AndRfc6531Names(bool extended, bool utf8, bool tls, bool authenticated, string expected)
    {
        Assert.Equal(expected, SmtpSession.TraceProtocol(extended, utf8, tls, authenticated));
    }

    private static async Task<(SmtpEnvelope Envelope, string Content)> SubmitAsync(SmtpTestHarness harness, string message, bool auth = true, string from = "<alice@example.com>", string mailParameters = "")
    {
        harness.Start();
        var replies = await harness.SendAsync(
            "EHLO client.example.net\r\n"
            + (auth ? $"AUTH PLAIN {AlicePlain}\r\n" : "")
            + $"MAIL FROM:{from}{mailParameters}\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n{message}.\r\n");
        Assert.Equal(250, replies[^1].Code);
        var (envelope, content) = Assert.Single(harness.Sink.Deliveries);
        return (envelope, Encoding.UTF8.GetString(content));
    }

    [Fact]
    public async Task Received_AuthenticatedUnderTls_EsmtpsaWithTlsCommentAndNoUser()
    {
        var harness = Create(SmtpEndpoint.Submissions);

        var (envelope, content) = await SubmitAsync(harness, $"Date: {Date}\r\nMessage-ID: <a@b>\r\n\r\nHi\r\n");

        Assert.StartsWith(
            "Received: from client.example.net ([192.0.2.10])\r\n"
            + "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
            + $"\tby mx.example.com (EmailAI) with ESMTPSA id {envelope.QueueId}\r\n"
            + $"\tfor <bob@example.com>; {Date}\r\n",
            content, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", content, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("alice@example.com", envelope.AuthenticatedIdentity);
        var (logged, size) = Assert.Single(harness.Events.Acceptances);
        Assert.Equal(("alice@example.com", Encoding.UTF8.GetByteCount(content)), (logged.AuthenticatedIdentity, size));
    }

    [Fact]
    public async Task Received_InsecureAuthWithSmtpUtf8_Utf8smtpaWithoutTlsComment()
    {
        var harness = Create(tls: false, configure: o => o.AllowInsecureAuth = true);

        var (_, content) = await SubmitAsync(harness, "Subject: x\r\n\r\nHi\r\n", mailParameters: " SMTPUTF8");

        Assert.Contains(" with UTF8SMTPA id ", content, StringComparison.Ordinal);
        Assert.DoesNotContain("(using ", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Received_TlsWithoutAuthOnPort25_EsmtpsAndMessageUnchanged()
    {
        var harness = Create(SmtpEndpoint.Mta);
        const string message = "Subject: no date, no id\r\n\r\nDate: in the body\r\n";

        var (envelope, content) = await SubmitAsync(harness, message, auth: false, from: "<someone@remote.example>");

        Assert.Contains(" with ESMTPS id ", content, StringComparison.Ordinal);
        Assert.Null(envelope.AuthenticatedIdentity);
        // Mail from the internet is never changed: no Date or Message-ID added.
        Assert.Equal(message, Encoding.UTF8.GetString(SmtpTestHarness.SplitTrace(Encoding.UTF8.GetBytes(content)).Message));
    }

    private static readonly Regex AddedId = new(@"^Message-ID: <[0-9A-HJKMNP-TV-Z]{16}\.[0-9a-f]{16}@mx\.example\.com>\r\n", RegexOptions.CultureInvariant);

    [Theory]
    // Lacks both: both go at the end of the header section, before the empty line.
    [InlineData("From: alice@example.com\r\nSubject: hi\r\n\r\nbody\r\n", "From: alice@example.com\r\nSubject: hi\r\n{DATE}{ID}\r\nbody\r\n")]
    // Has Date: only the Message-ID is added, and the reverse.
    [InlineData("Date: Fri, 14 Mar 2025 10:00:00 +0100\r\n\r\nbody\r\n", "Date: Fri, 14 Mar 2025 10:00:00 +0100\r\n{ID}\r\nbody\r\n")]
    [InlineData("Message-ID: <x@y>\r\n\r\nbody\r\n", "Message-ID: <x@y>\r\n{DATE}\r\nbody\r\n")]
    // Names in any case, a space before the colon, folded fields: present.
    [InlineData("message-id: <x@y>\r\nDATE: Fri, 14 Mar 2025 10:00:00 +0100\r\n\r\nb\r\n", "message-id: <x@y>\r\nDATE: Fri, 14 Mar 2025 10:00:00 +0100\r\n\r\nb\r\n")]
    [InlineData("Message-Id : <x@y>\r\nDate:\r\n Fri, 14 Mar 2025\r\n 10:00:00 +0100\r\n\r\nb\r\n", "Message-Id : <x@y>\r\nDate:\r\n Fri, 14 Mar 2025\r\n 10:00:00 +0100\r\n\r\nb\r\n")]
    // A folded Subject whose continuation looks like a Date field is still the Subject.
    [InlineData("Subject: a\r\n Date: no\r\nMessage-ID: <x@y>\r\n\r\nb\r\n", "Subject: a\r\n Date: no\r\nMessage-ID: <x@y>\r\n{DATE}\r\nb\r\n")]
    // Fields that look like them in the body do not count.
    [InlineData("Subject: a\r\n\r\nDate: Fri, 14 Mar 2025\r\nMessage-ID: <x@y>\r\n", "Subject: a\r\n{DATE}{ID}\r\nDate: Fri, 14 Mar 2025\r\nMessage-ID: <x@y>\r\n")]
    // No empty line: all header, the fields go at the end. No header at all: right after our Received.
    [InlineData("Subject: all header\r\n", "Subject: all header\r\n{DATE}{ID}")]
    [InlineData("\r\nonly a body\r\n", "{DATE}{ID}\r\nonly a body\r\n")]
    [InlineData("", "{DATE}{ID}")]
    // No empty line, and a line that is no field: that line starts the body, the fields go before it with an
    // empty line after them (found by a black-box run: they went after the body).
    [InlineData("no header at all, just text\r\nsecond line\r\n", "{DATE}{ID}\r\nno header at all, just text\r\nsecond line\r\n")]
    [InlineData("Subject: a\r\nnot a field: just text\r\nDate: body\r\n", "Subject: a\r\n{DATE}{ID}\r\nnot a field: just text\r\nDate: body\r\n")]
    public async Task Submitted_LacksDateOrMessageId_AddedAtTheEndOfTheHeader(string message, string expected)
    {
        var harness = Create(SmtpEndpoint.Submission);

        var (envelope, content) = await SubmitAsync(harness, message);

        var stored = Encoding.UTF8.GetString(SmtpTestHarness.SplitTrace(Encoding.UTF8.GetBytes(content)).Message);
        var idAt = expected.IndexOf("{ID}", StringComparison.Ordinal);
        expected = expected.Replace("{DATE}", $"Date: {Date}\r\n", StringComparison.Ordinal);
        if (idAt >= 0)
        {
            idAt = expected.IndexOf("{ID}", StringComparison.Ordinal);
            var id = AddedId.Match(stored[idAt..]);
            Assert.True(id.Success, stored);
            Assert.StartsWith($"Message-ID: <{envelope.QueueId}.", id.Value, StringComparison.Ordinal);
            expected = expected.Replace("{ID}", id.Value, StringComparison.Ordinal);
        }

        Assert.Equal(expected, stored);
    }

    [Fact]
    public async Task Submitted_MessageIds_DifferPerMessage()
    {
        var first = await SubmitAsync(Create(SmtpEndpoint.Submission), "Subject: a\r\n\r\nb\r\n");
        var second = await SubmitAsync(Create(SmtpEndpoint.Submission), "Subject: a\r\n\r\nb\r\n");

        static string Id(string content) => content.Split("\r\n").Single(line => line.StartsWith("Message-ID: ", StringComparison.Ordinal));
        Assert.NotEqual(Id(first.Content), Id(second.Content));
    }

    [Fact]
    public void AppendToHeader_AnyContent_InsertsAtTheHeaderEndAndKeepsEveryOtherByte()
    {
        var line = Gen.OneOf(
            Gen.Const("\r\n"),
            Gen.Const("\n"),
            Gen.String[Gen.Char["ab: \tD"], 0, 8].Select(text => text + "\r\n"),
            Gen.String[Gen.Char["ab: \tD\r"], 1, 8]);
        line.Array[0, 8].Select(lines => Encoding.ASCII.GetBytes(string.Concat(lines))).Sample(content =>
        {
            var fields = "X-Added: 1\r\n"u8;
            var result = HeaderFields.AppendToHeader(content, fields);
            var end = HeaderFields.FieldSection(content).Length;
            var rest = content[end..];
            var separator = end > 0 && content[end - 1] != (byte)'\n' ? 2 : 0;
            var blank = rest.Length == 0 || rest[0] == (byte)'\n' || (rest.Length > 1 && rest[0] == (byte)'\r' && rest[1] == (byte)'\n') ? 0 : 2;

            Assert.Equal(content.Length + separator + fields.Length + blank, result.Length);
            Assert.Equal(content[..end], result[..end]);
            Assert.Equal(fields.ToArray(), result[(end + separator)..(end + separator + fields.Length)]);
            Assert.Equal("\r\n"u8.ToArray()[..blank], result[(end + separator + fields.Length)..(end + separator + fields.Length + blank)]);
            Assert.Equal(rest, result[(end + separator + fields.Length + blank)..]);
            Assert.Equal(1, HeaderFields.Count(result, "X-Added"));

            // The added fields end the header: what follows them is the body.
            Assert.Equal(end + separator + fields.Length, HeaderFields.FieldSection(result).Length);
        });
    }
}
