using System.Text;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// Trouble behind the session: a policy or sink that throws is a temporary failure (451 4.3.0) the client
/// retries, their own 4xx answers are passed on, and the session keeps working afterwards.
/// </summary>
public sealed class SmtpFailureTests
{
    [Theory, ChunkSizes]
    public async Task Rcpt_PolicyThrows_Returns451AndNextRecipientStillChecked(int chunkSize)
    {
        var harness = new SmtpTestHarness();
        harness.Policy.ThrowOnNext = 1;
        var transcript = Transcript.Parse(SmtpOpenings.EhloMail + """

            C: RCPT TO:<alice@example.com>
            S: 451 4.3.0 Temporary local problem, please try again later
            C: RCPT TO:<bob@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: .
            S: 250 2.0.0 OK queued as {QID}
            """);

        await harness.RunAsync(transcript, chunkSize);

        var (envelope, _) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("mbx-bob", Assert.Single(envelope.Recipients).Route.ToString());
    }

    [Theory, ChunkSizes]
    public async Task Rcpt_PolicyAnswers4xx_ReplyPassedOnAndRecipientNotAdded(int chunkSize)
    {
        var harness = new SmtpTestHarness();
        harness.Policy.TemporaryFailureOnNext = 1;
        var transcript = Transcript.Parse(SmtpOpenings.EhloMail + """

            C: RCPT TO:<alice@example.com>
            S: 450 4.2.1 Mailbox temporarily unavailable
            C: DATA
            S: 554 5.5.1 No valid recipients
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: .
            S: 250 2.0.0 OK queued as {QID}
            """);

        await harness.RunAsync(transcript, chunkSize);

        var (envelope, _) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("mbx-alice", Assert.Single(envelope.Recipients).Route.ToString());
    }

    [Theory, ChunkSizes]
    public async Task Data_SinkThrows_Returns451AfterDotAndNextTransactionDelivers(int chunkSize)
    {
        var harness = new SmtpTestHarness();
        harness.Sink.ThrowOnNext = 1;
        var transcript = Transcript.Parse(SmtpOpenings.EhloMail + """

            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: Subject: first try
            C: .
            S: 451 4.3.0 Temporary local problem, please try again later
            C: RCPT TO:<alice@example.com>
            S: 503 5.5.1 Need MAIL command
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: Subject: second try
            C: .
            S: 250 2.0.0 OK queued as {QID}
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Equal(2, harness.Sink.Attempts);
        var (envelope, content) = Assert.Single(harness.Sink.Deliveries);
        Assert.Equal("mbx-alice", Assert.Single(envelope.Recipients).Route.ToString());
        Assert.Equal("Subject: second try\r\n", Encoding.UTF8.GetString(SmtpTestHarness.SplitTrace(content).Message));
    }

    [Theory, ChunkSizes]
    public async Task Data_SinkAnswers4xx_ReplyPassedOnAndSessionContinues(int chunkSize)
    {
        var harness = new SmtpTestHarness();
        harness.Sink.FailOnNext = 1;
        var transcript = Transcript.Parse(SmtpOpenings.EhloMail + """

            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: .
            S: 452 4.3.1 Insufficient system storage
            C: NOOP
            S: 250 2.0.0 OK
            C: QUIT
            S: 221 2.0.0 mx.example.com closing connection
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Equal(1, harness.Sink.Attempts);
        Assert.Empty(harness.Sink.Deliveries);
    }
}
