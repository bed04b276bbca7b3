using System.Text.RegularExpressions;
using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Smtp;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Pop3;

/// <summary>APOP (RFC 1939 §7): off by default; when on, the greeting's timestamp and the client's digest reach the backend.</summary>
public sealed class Pop3ApopTests
{
    private static readonly Regex GreetingWithTimestamp = new(@"^\+OK pop\.example\.com POP3 EmailAI ready (<[!-;=?-~]+@pop\.example\.com>)$", RegexOptions.CultureInvariant);

    private static Pop3TestHarness CreateApop(out string timestamp)
    {
        var harness = new Pop3TestHarness(o => o.EnableApop = true);
        var greeting = harness.Start();
        var match = GreetingWithTimestamp.Match(greeting);
        Assert.True(match.Success, $"Greeting without an APOP timestamp: {greeting}");
        timestamp = match.Groups[1].Value;
        return harness;
    }

    [Theory, ChunkSizes]
    public async Task Apop_Disabled_UnknownCommandAndNoTimestampInGreeting(int chunkSize)
    {
        var digest = FakePop3Backend.ApopDigest("<1896.697170952@pop.example.com>", FakePop3Backend.AlicePassword);
        var transcript = Transcript.Parse($"""
            S: +OK pop.example.com POP3 EmailAI ready
            C: APOP alice {digest}
            S: -ERR Unknown command
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.AuthenticateCalls);
        Assert.Equal(Pop3State.Authorization, harness.Session.State);
    }

    [Theory, ChunkSizes(false, true)]
    public async Task Apop_Enabled_DigestOverGreetingTimestampLogsIn(bool upperCaseDigest, int chunkSize)
    {
        var harness = CreateApop(out var timestamp);
        var digest = FakePop3Backend.ApopDigest(timestamp, FakePop3Backend.AlicePassword);
        var transcript = Transcript.Parse($"""
            S: +OK pop.example.com POP3 EmailAI ready {"{TIMESTAMP}"}
            C: APOP alice {(upperCaseDigest ? digest.ToUpperInvariant() : digest)}
            S: +OK maildrop locked and ready
            C: STAT
            S: +OK 0 0
            """);

        await harness.RunAsync(transcript, chunkSize);

        var credentials = Assert.Single(harness.Backend.AuthenticateCalls);
        Assert.Equal("alice", credentials.User);
        Assert.Null(credentials.Password);
        Assert.Equal(timestamp, credentials.ApopTimestamp);
        Assert.Equal(digest, credentials.ApopDigest);
        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
    }

    [Theory, ChunkSizes]
    public async Task Apop_WrongDigest_AuthErrorAndStaysInAuthorization(int chunkSize)
    {
        var harness = CreateApop(out var timestamp);
        var wrong = FakePop3Backend.ApopDigest(timestamp, "not the secret");
        var transcript = Transcript.Parse($"""
            S: +OK pop.example.com POP3 EmailAI ready {"{TIMESTAMP}"}
            C: APOP alice {wrong}
            S: -ERR [AUTH] Authentication failed
            C: APOP nobody {wrong}
            S: -ERR [AUTH] Authentication failed
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Equal(2, harness.Backend.AuthenticateCalls.Count);
        Assert.Equal(Pop3State.Authorization, harness.Session.State);
    }

    [Theory, ChunkSizes]
    public async Task Apop_MalformedArguments_SyntaxErrorWithoutAskingBackend(int chunkSize)
    {
        var harness = CreateApop(out _);
        var transcript = Transcript.Parse("""
            S: +OK pop.example.com POP3 EmailAI ready {TIMESTAMP}
            C: APOP
            S: -ERR Syntax error
            C: APOP alice
            S: -ERR Syntax error
            C: APOP alice 0123456789abcdef0123456789abcde
            S: -ERR Syntax error
            C: APOP alice 0123456789abcdef0123456789abcdefg
            S: -ERR Syntax error
            C: APOP alice 0123456789abcdef0123456789abcdeg
            S: -ERR Syntax error
            C: APOP alice 0123456789abcdef 0123456789abcdef
            S: -ERR Syntax error
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.AuthenticateCalls);
    }

    [Fact]
    public void Apop_Enabled_TimestampDiffersBetweenSessionsAtTheSameInstant()
    {
        var first = CreateApop(out var firstTimestamp);
        var second = CreateApop(out var secondTimestamp);

        Assert.Equal(first.Time.GetUtcNow(), second.Time.GetUtcNow());
        Assert.NotEqual(firstTimestamp, secondTimestamp);
    }
}
