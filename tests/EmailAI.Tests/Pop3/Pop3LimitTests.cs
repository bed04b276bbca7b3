using System.Text;
using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Smtp;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// Command line length (RFC 2449 §4: 255 octets with CRLF), long SASL responses (RFC 5034 §4), lines that
/// are not UTF-8, and the error limit per session.
/// </summary>
public sealed class Pop3LimitTests
{
    private const string LongPassword = "long-password-";

    private static string LongPasswordOf(int length) => LongPassword + new string('p', length - LongPassword.Length);

    /// <summary>base64("\0carol\0" + password) for an AUTH PLAIN exchange.</summary>
    private static string CarolPlain(string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes("\0carol\0" + password));

    [Theory, ChunkSizes]
    public async Task CommandLine_Of255OctetsWithCrLf_Accepted(int chunkSize)
    {
        var line = "USER " + new string('a', 248);
        Assert.Equal(253, line.Length);
        var transcript = Transcript.Parse(Pop3Openings.Greeting)
            .Client(line)
            .Server("+OK send PASS");

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task CommandLine_Of256OctetsWithCrLf_LineTooLongAndSessionContinues(int chunkSize)
    {
        var transcript = Transcript.Parse(Pop3Openings.Greeting)
            .Client("USER " + new string('a', 249))
            .Server("-ERR Line too long")
            .Append("""
                C: PASS wonderland
                S: -ERR USER first
                C: USER alice
                S: +OK send PASS
                C: PASS wonderland
                S: +OK maildrop locked and ready
                """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
    }

    [Theory, ChunkSizes]
    public async Task CommandLine_Endless100KilobytesThenValidCommand_OneErrorThenCommandRunsWithBoundedBuffering(int chunkSize)
    {
        var transcript = Transcript.Parse(Pop3Openings.Greeting)
            .ClientRaw("USER " + new string('a', 100 * 1024))
            .Client("x")
            .Server("-ERR Line too long")
            .Append("""
                C: USER alice
                S: +OK send PASS
                """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.True(harness.MaxUnconsumedBytes < harness.Options.MaxCommandLineLength, $"buffered {harness.MaxUnconsumedBytes} bytes");
    }

    [Theory, ChunkSizes]
    public async Task SaslResponse_LongerThan255Octets_AcceptedAndCommandLimitRestoredAfter(int chunkSize)
    {
        var harness = new Pop3TestHarness();
        var password = LongPasswordOf(1000);
        harness.Backend.AddAccount("carol", password, "mbx-carol");
        var response = CarolPlain(password);
        Assert.True(response.Length > 1300);
        var transcript = Transcript.Parse(Pop3Openings.Greeting)
            .Client("AUTH PLAIN")
            .Server(Pop3Openings.SaslContinuation)
            .Client(response)
            .Server("+OK maildrop locked and ready")
            .Client("NOOP " + new string('x', 300))
            .Server("-ERR Line too long")
            .Client("NOOP")
            .Server("+OK");

        await harness.RunAsync(transcript, chunkSize);

        Assert.Equal(password, Assert.Single(harness.Backend.AuthenticateCalls).Password);
    }

    [Theory, ChunkSizes]
    public async Task AuthPlain_InitialResponseMakingLineOver255_LineTooLong(int chunkSize)
    {
        var harness = new Pop3TestHarness();
        var password = LongPasswordOf(1000);
        harness.Backend.AddAccount("carol", password, "mbx-carol");
        var transcript = Transcript.Parse(Pop3Openings.Greeting)
            .Client("AUTH PLAIN " + CarolPlain(password))
            .Server("-ERR Line too long")
            .Append("""
                C: CAPA
                S: +OK Capability list follows
                """)
            .Server("{ANY}", 8);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.AuthenticateCalls);
    }

    /// <summary>
    /// A -ERR answer to the SASL response ends the AUTH command (RFC 5034 §4), so the client's next line is a
    /// command again.
    /// </summary>
    [Theory, ChunkSizes]
    public async Task SaslResponse_OverMaxSaslLineLength_LineTooLongAndNextLineIsACommand(int chunkSize)
    {
        var transcript = Transcript.Parse(Pop3Openings.Greeting)
            .Client("AUTH PLAIN")
            .Server(Pop3Openings.SaslContinuation)
            .Client(new string('A', 5000))
            .Server("-ERR Line too long")
            .Append("""
                C: QUIT
                S: +OK bye
                """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.True(harness.Session.IsClosed);
    }

    /// <summary>As above, for a SASL response that is not UTF-8.</summary>
    [Theory, ChunkSizes]
    public async Task SaslResponse_InvalidUtf8_ErrAndNextLineIsACommand(int chunkSize)
    {
        var transcript = Transcript.Parse(Pop3Openings.Greeting)
            .Client("AUTH PLAIN")
            .Server(Pop3Openings.SaslContinuation)
            .ClientRaw([0xFF, 0xFE, 0x0D, 0x0A])
            .Server("-ERR {ANY}")
            .Append("""
                C: USER alice
                S: +OK send PASS
                C: PASS wonderland
                S: +OK maildrop locked and ready
                """);

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task InvalidUtf8Line_UnknownCommandAndSessionContinues(int chunkSize)
    {
        var transcript = Transcript.Parse(Pop3Openings.Greeting)
            .ClientRaw("USER "u8).ClientRaw([0xFF, 0xFE]).ClientRaw("alice\r\n"u8)
            .Server("-ERR Unknown command")
            .ClientRaw("USER "u8).ClientRaw([0xC3]).ClientRaw("\r\n"u8)
            .Server("-ERR Unknown command")
            .ClientRaw("USER "u8).ClientRaw([0xC0, 0xAF]).ClientRaw("\r\n"u8)
            .Server("-ERR Unknown command")
            .Append("""
                C: USER jürgen
                S: +OK send PASS
                C: USER alice
                S: +OK send PASS
                C: PASS wonderland
                S: +OK maildrop locked and ready
                """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal("alice", Assert.Single(harness.Backend.AuthenticateCalls).User);
    }

    [Theory, ChunkSizes]
    public async Task ErrorLimit_TwentiethError_ClosesIgnoresFurtherInputAndNeverCommits(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse(Pop3Openings.Login + """

            C: DELE 1
            S: +OK message 1 deleted
            """);
        for (var i = 0; i < 19; i++)
        {
            transcript.Client("XYZZY").Server("-ERR Unknown command");
        }

        transcript.Append("""
            C: NOOP
            S: +OK
            C: RETR 9
            S: -ERR No such message
            S: -ERR Too many errors, closing connection
            C: QUIT
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.True(harness.Session.IsClosed);
        Assert.Empty(harness.Backend.CommitCalls);
        Assert.Equal(3, harness.Backend.StoredUids(FakePop3Backend.AliceMailbox).Count);
        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
    }

    [Theory, ChunkSizes]
    public async Task ErrorLimit_LongLinesBadBytesAndFailedLoginsAllCount(int chunkSize)
    {
        var transcript = Transcript.Parse(Pop3Openings.Greeting)
            .Client("USER " + new string('a', 300))
            .Server("-ERR Line too long")
            .ClientRaw([0xFF, 0x0D, 0x0A])
            .Server("-ERR Unknown command")
            .Append("""
                C: USER alice
                S: +OK send PASS
                C: PASS wrong
                S: -ERR [AUTH] Authentication failed
                S: -ERR Too many errors, closing connection
                C: USER alice
                C: PASS wonderland
                """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize, o => o.MaxErrors = 3);

        Assert.True(harness.Session.IsClosed);
        Assert.Single(harness.Backend.AuthenticateCalls);
    }

    [Theory, ChunkSizes]
    public async Task ErrorLimit_ServerSideTemporaryFailures_NotCounted(int chunkSize)
    {
        var harness = new Pop3TestHarness(o => o.MaxErrors = 2);
        harness.Backend.AuthenticateThrowsOnNext = 3;
        var transcript = Transcript.Parse(Pop3Openings.Greeting);
        for (var i = 0; i < 3; i++)
        {
            transcript.Append("""
                C: USER alice
                S: +OK send PASS
                C: PASS wonderland
                S: -ERR [SYS/TEMP] Temporary problem, try again later
                """);
        }

        transcript.Append("""
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            S: +OK maildrop locked and ready
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Equal(Pop3State.Transaction, harness.Session.State);
    }
}
