using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Smtp;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Pop3;

/// <summary>Greeting, CAPA, the commands allowed in each state, unknown commands, QUIT before login, pipelining.</summary>
public sealed class Pop3SessionTests
{
    private const string CapaAuthorization = """
        S: +OK Capability list follows
        S: TOP
        S: UIDL
        S: RESP-CODES
        S: AUTH-RESP-CODE
        S: PIPELINING
        S: USER
        S: SASL PLAIN
        S: .
        """;

    private const string CapaTransaction = """
        S: +OK Capability list follows
        S: TOP
        S: UIDL
        S: RESP-CODES
        S: AUTH-RESP-CODE
        S: PIPELINING
        S: .
        """;

    [Fact]
    public void Greeting_Default_IsOkWithServerDomainAndNoTimestamp()
    {
        var harness = new Pop3TestHarness();

        Assert.Equal("+OK pop.example.com POP3 EmailAI ready", harness.Start());
        Assert.Equal(Pop3State.Authorization, harness.Session.State);
        Assert.False(harness.Session.IsClosed);
        Assert.Null(harness.Session.Mailbox);
    }

    [Theory, ChunkSizes]
    public async Task Capa_InAuthorization_ListsCapabilitiesWithUserAndSaslPlain(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: CAPA
            {CapaAuthorization}
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.DoesNotContain("IMPLEMENTATION", harness.Wire, StringComparison.Ordinal);
    }

    [Theory, ChunkSizes]
    public async Task Capa_InTransaction_OmitsUserAndSasl(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: CAPA
            {CapaTransaction}
            """);

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Capa_LowerCase_AcceptedLikeUpperCase(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: capa
            {CapaAuthorization}
            C: user alice
            S: +OK send PASS
            C: pass wonderland
            S: +OK maildrop locked and ready
            C: Stat
            S: +OK 0 0
            """);

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Noop_InTransaction_ReturnsOkAndInAuthorizationErr(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: NOOP
            S: -ERR Command not valid in this state
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            S: +OK maildrop locked and ready
            C: NOOP
            S: +OK
            """);

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task TransactionCommands_InAuthorization_ReturnErrAndNothingIsRead(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: STAT
            S: -ERR Command not valid in this state
            C: LIST
            S: -ERR Command not valid in this state
            C: LIST 1
            S: -ERR Command not valid in this state
            C: UIDL
            S: -ERR Command not valid in this state
            C: RETR 1
            S: -ERR Command not valid in this state
            C: TOP 1 0
            S: -ERR Command not valid in this state
            C: DELE 1
            S: -ERR Command not valid in this state
            C: RSET
            S: -ERR Command not valid in this state
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            S: +OK maildrop locked and ready
            C: STAT
            S: +OK 3 119
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.ReadCalls);
    }

    [Theory, ChunkSizes]
    public async Task AuthorizationCommands_InTransaction_ReturnErrAndKeepTheSession(int chunkSize)
    {
        var harness = new Pop3TestHarness(o => o.EnableApop = true);
        var transcript = Transcript.Parse("""
            S: +OK pop.example.com POP3 EmailAI ready {TIMESTAMP}
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            S: +OK maildrop locked and ready
            C: USER bob
            S: -ERR Command not valid in this state
            C: PASS wonderland
            S: -ERR Command not valid in this state
            C: APOP bob 0123456789abcdef0123456789abcdef
            S: -ERR Command not valid in this state
            C: AUTH PLAIN
            S: -ERR Command not valid in this state
            C: AUTH PLAIN AGJvYgBjb3JyZWN0IGhvcnNlIGJhdHRlcnkgc3RhcGxl
            S: -ERR Command not valid in this state
            C: STAT
            S: +OK 0 0
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
        Assert.Single(harness.Backend.AuthenticateCalls);
    }

    [Theory, ChunkSizes]
    public async Task UnknownCommand_AnyState_ReturnsErrAndSessionContinues(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: XYZZY
            S: -ERR Unknown command
            C:
            S: -ERR Unknown command
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            S: +OK maildrop locked and ready
            C: EHLO client.example.net
            S: -ERR Unknown command
            C: NOOP
            S: +OK
            """);

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Quit_InAuthorization_SaysByeAndClosesWithoutCommit(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: USER alice
            S: +OK send PASS
            C: QUIT
            S: +OK bye
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.True(harness.Session.IsClosed);
        Assert.Equal(Pop3State.Authorization, harness.Session.State);
        Assert.Empty(harness.Backend.AuthenticateCalls);
        Assert.Empty(harness.Backend.CommitCalls);
    }

    [Theory, ChunkSizes]
    public async Task Quit_CommandsPipelinedBehindIt_NotAnswered(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: QUIT
            S: +OK bye
            C: CAPA
            C: USER alice
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.True(harness.Session.IsClosed);
        Assert.Null(harness.CheckTimeout());
    }

    [Theory, ChunkSizes]
    public async Task Pipelining_WholeSessionInOnePacket_AnsweredInOrder(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse("""
            S: +OK pop.example.com POP3 EmailAI ready
            C: USER alice
            C: PASS wonderland
            C: STAT
            C: LIST
            C: RETR 3
            C: DELE 3
            C: QUIT
            S: +OK send PASS
            S: +OK maildrop locked and ready
            S: +OK 3 119
            S: +OK 3 messages (119 octets)
            S: 1 55
            S: 2 40
            S: 3 24
            S: .
            S: +OK 24 octets
            S: Subject: three
            S:
            S: Bye.
            S: .
            S: +OK message 3 deleted
            S: +OK pop.example.com signing off (1 messages deleted)
            """);

        await harness.RunAsync(transcript, chunkSize);

        var commit = Assert.Single(harness.Backend.CommitCalls);
        Assert.Equal([205L], commit.Uids);
        if (chunkSize == 0)
        {
            Assert.Equal(1, harness.Reads);
        }
    }
}
