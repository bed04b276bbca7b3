using System.Text;
using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Smtp;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// TRANSACTION state on alice's standard maildrop (uids 101, 102, 205; 55, 40 and 24 octets): STAT, LIST,
/// UIDL, RETR and TOP with byte-stuffing, DELE/RSET, and the UPDATE state after QUIT.
/// </summary>
public sealed class Pop3MaildropTests
{
    [Theory, ChunkSizes]
    public async Task StatListUidl_StandardMaildrop_ExactCountsSizesAndUids(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: STAT
            S: +OK 3 119
            C: LIST
            S: +OK 3 messages (119 octets)
            S: 1 55
            S: 2 40
            S: 3 24
            S: .
            C: LIST 2
            S: +OK 2 40
            C: UIDL
            S: +OK
            S: 1 101
            S: 2 102
            S: 3 205
            S: .
            C: UIDL 3
            S: +OK 3 205
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.ReadCalls);
    }

    [Theory, ChunkSizes]
    public async Task StatListUidl_EmptyMaildrop_ZeroAndEmptyLists(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: STAT
            S: +OK 0 0
            C: LIST
            S: +OK 0 messages (0 octets)
            S: .
            C: UIDL
            S: +OK
            S: .
            C: LIST 1
            S: -ERR No such message
            """);

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Retr_Message_SizeLineThenExactLinesThenDot(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: RETR 1
            S: +OK 55 octets
            S: From: carol@example.net
            S: Subject: one
            S:
            S: Hello Alice.
            S: .
            C: NOOP
            S: +OK
            """);

        await harness.RunAsync(transcript, chunkSize);

        // The message asked for is read first; the next one may be read ahead (prefetch), nothing else.
        Assert.Equal((FakePop3Backend.AliceMailbox, 101L), harness.Backend.ReadCalls[0]);
        Assert.Equal([(FakePop3Backend.AliceMailbox, 101L), (FakePop3Backend.AliceMailbox, 102L)], harness.Backend.ReadCalls);
    }

    [Theory, ChunkSizes]
    public async Task Retr_LinesStartingWithDot_StuffedIncludingFirstLineAndLoneDot(int chunkSize)
    {
        var harness = new Pop3TestHarness();
        harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, 1, ".first\r\nSubject: dots\r\n\r\n.\r\n..two\r\nend\r\n");
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: RETR 1
            S: +OK 40 octets
            S: ..first
            S: Subject: dots
            S:
            S: ..
            S: ...two
            S: end
            S: .
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.EndsWith("+OK 40 octets\r\n..first\r\nSubject: dots\r\n\r\n..\r\n...two\r\nend\r\n.\r\n", harness.Wire, StringComparison.Ordinal);
    }

    [Theory, ChunkSizes]
    public async Task Retr_WithoutTrailingCrLf_CrLfAddedBeforeTerminator(int chunkSize)
    {
        var harness = new Pop3TestHarness();
        harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, 1, "Subject: x\r\n\r\nno newline");
        harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, 2, "Subject: y\r\n\r\n.");
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: RETR 1
            S: +OK 24 octets
            S: Subject: x
            S:
            S: no newline
            S: .
            C: RETR 2
            S: +OK 15 octets
            S: Subject: y
            S:
            S: ..
            S: .
            C: TOP 1 5
            S: +OK
            S: Subject: x
            S:
            S: no newline
            S: .
            """);

        await harness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Retr_EightBitBytesAnd998OctetLine_PassedByteExact(int chunkSize)
    {
        var content = new MemoryStream();
        content.Write("Subject: =?utf-8?q?8bit?=\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"u8);
        for (var b = 0x80; b <= 0xFF; b++)
        {
            content.WriteByte((byte)b);
        }

        content.Write("\r\n"u8);
        content.Write("Grüße, invalid UTF-8 follows: "u8);
        content.Write([0xC3, 0x28, 0x20, 0xFE, 0xFF, 0x0D, 0x0A]);
        content.Write(Encoding.ASCII.GetBytes(new string('x', 997) + "y"));
        content.Write("\r\nlast\r\n"u8);
        var message = content.ToArray();
        var harness = new Pop3TestHarness();
        harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, 1, message);
        harness.Start();
        await harness.SendAsync("USER alice\r\nPASS wonderland\r\n");

        var output = await harness.SendAsync("RETR 1\r\n"u8.ToArray(), chunkSize);

        var expected = Encoding.ASCII.GetBytes($"+OK {message.Length} octets\r\n").Concat(message).Concat(".\r\n"u8.ToArray()).ToArray();
        Assert.Equal(expected, Encoding.Latin1.GetBytes(output));
    }

    [Theory, ChunkSizes("throws", "gone")]
    public async Task RetrAndTop_ReadFails_TempFailureRetriesGoneIsPermanent(string fault, int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        string expected;
        if (fault == "throws")
        {
            harness.Backend.ReadThrowsOnNext = 2;
            expected = "-ERR [SYS/TEMP] Temporary problem, try again later";
        }
        else
        {
            // Removed behind the session's back (an admin): retrying would not help, so no [SYS/TEMP].
            harness.Backend.ReadGoneOnNext = 2;
            expected = "-ERR Message no longer exists";
        }

        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: RETR 3
            S: {expected}
            C: TOP 3 0
            S: {expected}
            C: RETR 3
            S: +OK 24 octets
            S: Subject: three
            S:
            S: Bye.
            S: .
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.False(harness.Session.IsClosed);
    }

    [Theory, ChunkSizes]
    public async Task Top_ZeroTwoAndMoreThanBodyLines_HeaderBlankLineAndThatManyBodyLines(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: TOP 2 0
            S: +OK
            S: Subject: two
            S:
            S: .
            C: TOP 2 2
            S: +OK
            S: Subject: two
            S:
            S: Line 1
            S: Line 2
            S: .
            C: TOP 2 10
            S: +OK
            S: Subject: two
            S:
            S: Line 1
            S: Line 2
            S: Line 3
            S: .
            """);

        await harness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Top_MessageWithoutBody_AllHeaderLinesOnly(int chunkSize)
    {
        var harness = new Pop3TestHarness();
        harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, 1, "Subject: headers only\r\nFrom: dave@example.net\r\n");
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: TOP 1 0
            S: +OK
            S: Subject: headers only
            S: From: dave@example.net
            S: .
            C: TOP 1 3
            S: +OK
            S: Subject: headers only
            S: From: dave@example.net
            S: .
            C: LIST 1
            S: +OK 1 47
            """);

        await harness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Top_DotLinesInHeaderAndBody_Stuffed(int chunkSize)
    {
        var harness = new Pop3TestHarness();
        harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, 1, ".first\r\nSubject: dots\r\n\r\n.\r\n..two\r\nend\r\n");
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: TOP 1 2
            S: +OK
            S: ..first
            S: Subject: dots
            S:
            S: ..
            S: ...two
            S: .
            """);

        await harness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Top_BadArguments_SyntaxErrorOrNoSuchMessage(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: TOP
            S: -ERR Syntax error
            C: TOP 1
            S: -ERR Syntax error
            C: TOP 1 x
            S: -ERR Syntax error
            C: TOP 1 -1
            S: -ERR Syntax error
            C: TOP 1 0 0
            S: -ERR Syntax error
            C: TOP 4 0
            S: -ERR No such message
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.ReadCalls);
    }

    [Theory, ChunkSizes]
    public async Task Dele_MarksMessage_ItIsRefusedAndLeftOutButNumbersStay(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: DELE 2
            S: +OK message 2 deleted
            C: RETR 2
            S: -ERR Message already deleted
            C: LIST 2
            S: -ERR Message already deleted
            C: UIDL 2
            S: -ERR Message already deleted
            C: TOP 2 0
            S: -ERR Message already deleted
            C: DELE 2
            S: -ERR Message already deleted
            C: STAT
            S: +OK 2 79
            C: LIST
            S: +OK 2 messages (79 octets)
            S: 1 55
            S: 3 24
            S: .
            C: UIDL
            S: +OK
            S: 1 101
            S: 3 205
            S: .
            C: LIST 3
            S: +OK 3 24
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.ReadCalls);
        Assert.Empty(harness.Backend.CommitCalls);
        Assert.Equal([101L, 102L, 205L], harness.Backend.StoredUids(FakePop3Backend.AliceMailbox));
    }

    [Theory, ChunkSizes]
    public async Task Rset_AfterDele_UnmarksAllAndQuitDeletesNothing(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: DELE 1
            S: +OK message 1 deleted
            C: DELE 3
            S: +OK message 3 deleted
            C: RSET
            S: +OK maildrop reset
            C: STAT
            S: +OK 3 119
            C: UIDL 1
            S: +OK 1 101
            C: QUIT
            S: +OK pop.example.com signing off (0 messages deleted)
            """);

        await harness.RunAsync(transcript, chunkSize);

        var commit = Assert.Single(harness.Backend.CommitCalls);
        Assert.Empty(commit.Uids);
        Assert.Equal([101L, 102L, 205L], harness.Backend.StoredUids(FakePop3Backend.AliceMailbox));
    }

    [Theory, ChunkSizes]
    public async Task Quit_AfterDele_CommitsExactlyTheDeletedUidsAndSignsOff(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: DELE 3
            S: +OK message 3 deleted
            C: DELE 1
            S: +OK message 1 deleted
            C: QUIT
            S: +OK pop.example.com signing off (2 messages deleted)
            """);

        await harness.RunAsync(transcript, chunkSize);

        var commit = Assert.Single(harness.Backend.CommitCalls);
        Assert.Equal(FakePop3Backend.AliceMailbox, commit.Mailbox);
        Assert.Equal(Pop3TestHarness.SessionId, commit.SessionId);
        Assert.Equal([101L, 205L], commit.Uids.Order());
        Assert.Equal([102L], harness.Backend.StoredUids(FakePop3Backend.AliceMailbox));
        Assert.Null(harness.Backend.LockHolder(FakePop3Backend.AliceMailbox));
        Assert.True(harness.Session.IsClosed);
        Assert.Equal(Pop3State.Update, harness.Session.State);
        Assert.Null(harness.Session.Mailbox);
    }

    [Theory, ChunkSizes]
    public async Task Quit_WithoutDele_CommitsNothingAndReleasesLock(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: QUIT
            S: +OK pop.example.com signing off (0 messages deleted)
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Empty(Assert.Single(harness.Backend.CommitCalls).Uids);
        Assert.Null(harness.Backend.LockHolder(FakePop3Backend.AliceMailbox));
        Assert.Equal(3, harness.Backend.StoredUids(FakePop3Backend.AliceMailbox).Count);
    }

    [Theory, ChunkSizes("throws", "fails")]
    public async Task Quit_CommitFails_SysTempAndNothingRemoved(string fault, int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        if (fault == "throws")
        {
            harness.Backend.CommitThrowsOnNext = 1;
        }
        else
        {
            harness.Backend.CommitFailsOnNext = 1;
        }

        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: DELE 2
            S: +OK message 2 deleted
            C: QUIT
            S: -ERR [SYS/TEMP] Deletions could not be committed; no message was removed
            C: STAT
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Equal([102L], Assert.Single(harness.Backend.CommitCalls).Uids);
        Assert.Equal([101L, 102L, 205L], harness.Backend.StoredUids(FakePop3Backend.AliceMailbox));
        Assert.True(harness.Session.IsClosed);

        // The lock is still held; the host needs the maildrop to release it.
        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
    }

    [Theory, ChunkSizes]
    public async Task DroppedConnection_AfterDeleAndHalfAQuit_NeverCommits(int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Login}
            C: DELE 1
            S: +OK message 1 deleted
            C: DELE 2
            S: +OK message 2 deleted
            """).ClientRaw("QUIT");

        await harness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.CommitCalls);
        Assert.Equal([101L, 102L, 205L], harness.Backend.StoredUids(FakePop3Backend.AliceMailbox));
        Assert.Equal(Pop3State.Transaction, harness.Session.State);
        Assert.False(harness.Session.IsClosed);
        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
        Assert.Equal(4, harness.UnconsumedBytes);
    }

    [Theory, ChunkSizes("RETR {0}", "LIST {0}", "UIDL {0}", "DELE {0}", "TOP {0} 1")]
    public async Task MessageNumber_ZeroPastEndNonNumericNegative_Refused(string command, int chunkSize)
    {
        var harness = new Pop3TestHarness().WithStandardMaildrop();
        var transcript = Transcript.Parse(Pop3Openings.Login)
            .Client(string.Format(command, "0")).Server("-ERR No such message")
            .Client(string.Format(command, "4")).Server("-ERR No such message")
            .Client(string.Format(command, "one")).Server("-ERR Syntax error")
            .Client(string.Format(command, "-1")).Server("-ERR Syntax error")
            .Client(string.Format(command, "+1")).Server("-ERR Syntax error")
            .Client("STAT").Server("+OK 3 119");

        await harness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.ReadCalls);
        Assert.False(harness.Session.IsClosed);
    }
}
