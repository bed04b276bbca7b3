using System.Text;
using EmailAI.Protocols.Pop3;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Fuzz;

/// <summary>The fuzz run's checks can fail: each invariant is shown a reply or a case that breaks it.</summary>
public sealed class FuzzInvariantTests
{
    private const string Domain = SmtpFuzzTarget.ServerDomain;

    [Fact]
    public void SmtpReplyChecker_CatalogueReplies_AreWellFormed()
    {
        var replies = typeof(SmtpReplies).GetFields().Where(f => f.FieldType == typeof(SmtpReply)).Select(f => (SmtpReply)f.GetValue(null)!)
            .Append(SmtpReplies.Closing(Domain)).Append(SmtpReplies.MessageAccepted("06H15SJHH4N9M79Z"))
            .Append(SmtpReplies.Ehlo(Domain, "192.0.2.10", ["PIPELINING", "SIZE 10240000"])).ToList();
        Assert.True(replies.Count > 40);
        Assert.All(replies, reply => Assert.Empty(SmtpReplyChecker.Check(reply, greeting: false, Domain)));
        Assert.Empty(SmtpReplyChecker.Check(SmtpReplies.Greeting(Domain), greeting: true, Domain));
    }

    [Theory]
    [InlineData(250, "2.0.0", "bare\nLF", "bare LF")]
    [InlineData(250, "2.0.0", "bare\rCR", "bare CR")]
    [InlineData(550, "2.1.1", "class mismatch", "not of the class")]
    [InlineData(550, null, "no enhanced code", "no RFC 3463")]
    [InlineData(550, "5.1", "short enhanced code", "no RFC 3463")]
    [InlineData(199, "1.0.0", "not 2xx-5xx", "is not 2xx")]
    [InlineData(220, null, "a 220 that is not the greeting", "no RFC 3463")]
    public void SmtpReplyChecker_BrokenReply_IsReported(int code, string? enhanced, string text, string expected)
    {
        var problems = SmtpReplyChecker.Check(new SmtpReply(code, enhanced, text), greeting: false, Domain).ToList();
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void SmtpReplyChecker_LineOf513Octets_IsReportedAnd512Passes()
    {
        // "250 2.0.0 " is 10 octets and CRLF 2: text of 500 makes a 512-octet line.
        Assert.Empty(SmtpReplyChecker.Check(new SmtpReply(250, "2.0.0", new string('x', 500)), greeting: false, Domain));
        Assert.Contains(SmtpReplyChecker.Check(new SmtpReply(250, "2.0.0", new string('x', 501)), greeting: false, Domain),
            p => p.Contains("513 octets", StringComparison.Ordinal));
    }

    [Fact]
    public void Pop3ResponseChecker_BrokenResponses_AreReported()
    {
        Assert.Contains(Pop3ResponseChecker.CheckLines(new Pop3Response("OK fine")), p => p.Contains("not +OK", StringComparison.Ordinal));
        Assert.Contains(Pop3ResponseChecker.CheckLines(new Pop3Response(["+OK list", "1 10"])), p => p.Contains("not ended by", StringComparison.Ordinal));
        Assert.Contains(Pop3ResponseChecker.CheckLines(new Pop3Response(["+OK list", ".x", "."])), p => p.Contains("unstuffed dot", StringComparison.Ordinal));
        Assert.Contains(Pop3ResponseChecker.CheckLines(new Pop3Response(["-ERR no", "1 10", "."])), p => p.Contains("multi-line response after", StringComparison.Ordinal));
        Assert.Contains(Pop3ResponseChecker.CheckLines(new Pop3Response("+OK a\r\nb")), p => p.Contains("CR or LF", StringComparison.Ordinal));
        Assert.Empty(Pop3ResponseChecker.CheckLines(new Pop3Response(["+OK list", "1 10", "..x", "."])));
        Assert.Empty(Pop3ResponseChecker.CheckLines(new Pop3Response(Pop3Responses.SaslContinue)));
    }

    [Theory]
    [InlineData("a\r\n.b\r\n.\r\n", "a\r\n.b\r\n", "unstuffed dot")]
    [InlineData("a\r\n..b\r\n", "a\r\n.b\r\n", "not ended by")]
    [InlineData("a\nb\r\n.\r\n", "a\nb\r\n", "without CRLF")]
    [InlineData("a\r\n..c\r\n.\r\n", "a\r\n.b\r\n", "not the stored message")]
    public void Pop3ResponseChecker_BrokenData_IsReported(string data, string message, string expected)
    {
        var problems = Pop3ResponseChecker.CheckData(Encoding.ASCII.GetBytes(data), Encoding.ASCII.GetBytes(message), whole: true);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Pop3ResponseChecker_StuffedData_Passes()
    {
        Assert.Empty(Pop3ResponseChecker.CheckData("a\r\n..b\r\n..\r\nend\r\n.\r\n"u8, "a\r\n.b\r\n.\r\nend"u8, whole: true));
        Assert.Empty(Pop3ResponseChecker.CheckData(".\r\n"u8, ""u8, whole: true));
    }

    [Fact]
    public async Task FuzzRunner_CaseThatBreaksAnInvariant_IsReportedShrunkWithItsSeed()
    {
        var report = await FuzzRunner.RunAsync(new BrokenTarget(), seed: 7, iterations: 50, TimeSpan.FromSeconds(20));
        // Every case fails here: the run stops looking after MaxFailures of them.
        Assert.Equal(FuzzRunner.MaxFailures, report.Failures.Count);
        Assert.Equal(FuzzRunner.MaxFailures, report.Cases);
        var failure = report.Failures[0];
        Assert.Equal(7, failure.Seed);
        Assert.Contains("BOOM", failure.Problem, StringComparison.Ordinal);
        // Shrunk to the one line that fails: the other steps and lines are gone.
        Assert.Equal("setup: broken\nsteps:\n    FuzzStep.Latin1(\"BOOM\\r\\n\")", failure.Reproduction);
    }

    [Fact]
    public async Task FuzzRunner_RunsThatDifferWhenSplit_AreReported()
    {
        var problem = await FuzzRunner.CheckAsync(new SplitSensitiveTarget(), new FuzzCase<string>("split", [FuzzStep.Send("NOOP\r\nHELP\r\nRSET\r\nNOOP\r\nHELP\r\nRSET\r\n")]), splitSeed: 1);
        Assert.NotNull(problem);
        Assert.Contains("whole and split runs differ", problem, StringComparison.Ordinal);
    }

    /// <summary>Fails whenever a sent line is BOOM; generates a few harmless lines around one.</summary>
    private sealed class BrokenTarget : IFuzzTarget<string>
    {
        public string Name => "broken";

        public FuzzCase<string> Generate(Random random) =>
            new("broken", [FuzzStep.Send("NOOP\r\nHELP\r\n"), FuzzStep.Wait(TimeSpan.FromSeconds(1)), FuzzStep.Send("RSET\r\nBOOM\r\nNOOP\r\n"), FuzzStep.Send("QUIT\r\n")]);

        public Task<FuzzOutcome> RunAsync(FuzzCase<string> fuzzCase, Random? splitter)
        {
            var boom = fuzzCase.Steps.Any(s => Encoding.Latin1.GetString(s.Bytes).Split("\r\n").Contains("BOOM"));
            return Task.FromResult(new FuzzOutcome("", boom ? ["BOOM was answered"] : [], []));
        }
    }

    /// <summary>Answers differently when its input arrives in pieces.</summary>
    private sealed class SplitSensitiveTarget : IFuzzTarget<string>
    {
        public string Name => "split";

        public FuzzCase<string> Generate(Random random) => throw new NotSupportedException();

        public Task<FuzzOutcome> RunAsync(FuzzCase<string> fuzzCase, Random? splitter) =>
            Task.FromResult(new FuzzOutcome(string.Join("|", fuzzCase.Steps.SelectMany(s => FuzzInput.Reads(s.Bytes, splitter)).Select(r => r.Length)), [], []));
    }
}
