using System.Text;
using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Smtp;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// Sessions that hold a slot and a maildrop lock without progress: <see cref="Pop3Options.MaxJunkCommands"/> (after
/// Postfix's smtpd_junk_command_limit) and <see cref="Pop3Options.MaxSessionDuration"/>, each ending the session
/// without UPDATE (RFC 1939 §6), so nothing marked is deleted. Regression: a CAPA every 5 s held a slot for ever.
/// </summary>
public sealed class Pop3SlotHolderTests
{
    private const string JunkLine = "-ERR [SYS/TEMP] Too many commands without progress, closing connection";
    private const string DurationLine = "-ERR [SYS/TEMP] Session time limit reached, closing connection";

    private static string Repeat(string exchange, int times) => string.Join("\n", Enumerable.Repeat(exchange, times));

    [Theory, ChunkSizes]
    public async Task Noop_AtMaxJunkCommands_ServedAndOneMoreClosesWithoutUpdate(int chunkSize)
    {
        var harness = new Pop3TestHarness(o => o.MaxJunkCommands = 5).WithStandardMaildrop();
        // The login and DELE are progress; the DELE is undone by the close (no UPDATE).
        var transcript = Transcript.Parse(Pop3Openings.Login + """

            C: DELE 1
            S: +OK message 1 deleted
            """ + "\n" + Repeat("C: NOOP\nS: +OK", 5) + $"""

            C: NOOP
            S: {JunkLine}
            C: QUIT
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.True(harness.Session.IsClosed);
        Assert.Equal(Pop3Session.JunkCommandsReason, harness.Session.CloseReason);
        Assert.NotEqual(Pop3State.Update, harness.Session.State);
        Assert.Empty(harness.Backend.CommitCalls);
        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
    }

    [Theory, ChunkSizes]
    public async Task Capa_BeforeLogin_CountsAsJunk(int chunkSize)
    {
        var transcript = Transcript.Parse(Pop3Openings.Greeting + "\n" + Repeat("C: CAPA\nS: +OK Capability list follows\nS: TOP\nS: UIDL\nS: RESP-CODES\nS: AUTH-RESP-CODE\nS: PIPELINING\nS: USER\nS: SASL PLAIN\nS: .", 3) + $"""

            C: CAPA
            S: {JunkLine}
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize, o => o.MaxJunkCommands = 3);

        Assert.Equal(Pop3Session.JunkCommandsReason, harness.Session.CloseReason);
    }

    [Theory, ChunkSizes]
    public async Task StatListUidlRset_CountAsJunkAndRetrTopDeleStartTheCountAgain(int chunkSize)
    {
        var harness = new Pop3TestHarness(o => o.MaxJunkCommands = 2).WithStandardMaildrop();
        await harness.RunAsync(Transcript.Parse(Pop3Openings.Login), chunkSize);
        await harness.SendAsync("STAT\r\nRETR 3\r\nRSET\r\nSTAT\r\nTOP 3 0\r\nUIDL 3\r\nLIST 3\r\nDELE 3\r\nSTAT\r\nRSET\r\n", chunkSize);
        Assert.False(harness.Session.IsClosed);

        var last = await harness.SendAsync("NOOP\r\n", chunkSize);

        Assert.Equal(JunkLine + "\r\n", last);
        Assert.True(harness.Session.IsClosed);
        Assert.Empty(harness.Backend.CommitCalls);
    }

    [Theory]
    [InlineData("STAT")]
    [InlineData("LIST")]
    [InlineData("LIST 1")]
    [InlineData("UIDL")]
    [InlineData("UIDL 2")]
    [InlineData("RSET")]
    [InlineData("CAPA")]
    public async Task NoProgressCommand_RepeatedPastMaxJunkCommands_Closes(string command)
    {
        var harness = new Pop3TestHarness(o => o.MaxJunkCommands = 4).WithStandardMaildrop();
        harness.Start();
        await harness.SendAsync("USER alice\r\nPASS wonderland\r\n");
        for (var i = 0; i < 4; i++)
        {
            Assert.StartsWith("+OK", await harness.SendLineAsync(command));
        }

        Assert.Equal(JunkLine + "\r\n", await harness.SendLineAsync(command));
        Assert.True(harness.Session.IsClosed);
    }

    [Fact]
    public async Task Errors_CountTowardMaxErrorsNotTowardJunk()
    {
        var harness = new Pop3TestHarness(o => o.MaxJunkCommands = 2);
        harness.Start();

        var replies = await harness.SendAsync("XYZZY\r\nXYZZY\r\nXYZZY\r\nNOOP\r\n");

        Assert.Equal("-ERR Unknown command\r\n-ERR Unknown command\r\n-ERR Unknown command\r\n-ERR Command not valid in this state\r\n", replies);
        Assert.False(harness.Session.IsClosed);
    }

    [Fact]
    public async Task Retr_DownloadOfManyMessages_NeverCountedAsJunk()
    {
        var harness = new Pop3TestHarness(o => o.MaxJunkCommands = 3);
        for (var uid = 1; uid <= 50; uid++)
        {
            harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, uid, $"Subject: {uid}\r\n\r\nbody\r\n");
        }

        harness.Start();
        var commands = new StringBuilder("USER alice\r\nPASS wonderland\r\nSTAT\r\n");
        for (var n = 1; n <= 50; n++)
        {
            commands.Append($"UIDL {n}\r\nLIST {n}\r\nRETR {n}\r\nDELE {n}\r\n");
        }

        await harness.SendAsync(commands + "QUIT\r\n");

        Assert.Equal(50, harness.Session.MessagesRetrieved);
        Assert.Equal(50, harness.Session.MessagesDeleted);
        Assert.Null(harness.Session.CloseReason);
    }

    [Fact]
    public async Task Command_JustBeforeMaxSessionDuration_Served()
    {
        var harness = new Pop3TestHarness(o => o.MaxSessionDuration = TimeSpan.FromMinutes(30));
        harness.Start();
        for (var i = 0; i < 5; i++)
        {
            harness.Time.Advance(TimeSpan.FromMinutes(6) - TimeSpan.FromTicks(1));
            Assert.Equal("+OK send PASS\r\n", await harness.SendLineAsync("USER alice"));
        }

        Assert.False(harness.Session.IsClosed);
    }

    [Fact]
    public async Task Command_AtMaxSessionDuration_ClosedWithoutUpdateAndNotRun()
    {
        var harness = new Pop3TestHarness(o => o.MaxSessionDuration = TimeSpan.FromMinutes(30)).WithStandardMaildrop();
        harness.Start();
        await harness.SendAsync("USER alice\r\nPASS wonderland\r\nDELE 1\r\n");
        for (var i = 0; i < 4; i++)
        {
            harness.Time.Advance(TimeSpan.FromMinutes(6));
            Assert.Equal("+OK\r\n", await harness.SendLineAsync("NOOP"));
        }

        harness.Time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(DurationLine + "\r\n", await harness.SendLineAsync("RETR 2"));
        Assert.True(harness.Session.IsClosed);
        Assert.Equal(Pop3Session.SessionDurationReason, harness.Session.CloseReason);
        Assert.Empty(harness.Backend.ReadCalls);
        Assert.Empty(harness.Backend.CommitCalls);
        Assert.Equal("", await harness.SendLineAsync("QUIT"));
    }

    [Fact]
    public async Task Quit_PastMaxSessionDuration_StillCommitsTheDeletions()
    {
        var harness = new Pop3TestHarness(o => o.MaxSessionDuration = TimeSpan.FromMinutes(30)).WithStandardMaildrop();
        harness.Start();
        await harness.SendAsync("USER alice\r\nPASS wonderland\r\nDELE 1\r\n");
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        await harness.SendLineAsync("NOOP");
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        await harness.SendLineAsync("NOOP");
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        await harness.SendLineAsync("NOOP");
        harness.Time.Advance(TimeSpan.FromMinutes(9));

        Assert.EndsWith("(1 messages deleted)\r\n", await harness.SendLineAsync("QUIT"));
        Assert.Equal([101L], Assert.Single(harness.Backend.CommitCalls).Uids);
    }

    [Fact]
    public async Task Deadline_NearTheEndOfMaxSessionDuration_IsTheSessionEndNotTheAutologout()
    {
        var harness = new Pop3TestHarness(o => o.MaxSessionDuration = TimeSpan.FromMinutes(15));
        harness.Start();
        Assert.Equal(Pop3TestHarness.StartTime + TimeSpan.FromMinutes(10), harness.Session.Deadline);
        harness.Time.Advance(TimeSpan.FromMinutes(8));
        await harness.SendLineAsync("CAPA");
        Assert.Equal(Pop3TestHarness.StartTime + TimeSpan.FromMinutes(15), harness.Session.Deadline);

        harness.Time.Advance(TimeSpan.FromMinutes(7) - TimeSpan.FromTicks(1));
        Assert.Null(harness.CheckTimeout());
        harness.Time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(DurationLine, harness.CheckTimeout());
        Assert.Equal(Pop3Session.SessionDurationReason, harness.Session.CloseReason);
    }

    [Fact]
    public void Defaults_MirrorPostfixAndOneHour()
    {
        var options = new Pop3Options();
        Assert.Equal((100, TimeSpan.FromHours(1)), (options.MaxJunkCommands, options.MaxSessionDuration));
    }

    [Fact]
    public void MaxSessionDuration_MaxValue_DoesNotOverflow()
    {
        var harness = new Pop3TestHarness(o => o.MaxSessionDuration = TimeSpan.MaxValue);
        Assert.Equal(Pop3TestHarness.StartTime + TimeSpan.FromMinutes(10), harness.Session.Deadline);
    }
}
