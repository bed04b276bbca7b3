using System.Diagnostics;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// One trace per SMTP transaction: a root <c>smtp.transaction</c> span from MAIL to the transaction's end (the reply
/// after the dot, RSET, a refused MAIL, the session's end), current for the policy's and the commit's calls, tagged
/// with the queue id the 250 shows — at every chunk size, since pipelined commands end and start transactions inside
/// one read.
/// </summary>
[Collection(SmtpTracingCollection.Name)]
public sealed class SmtpTracingTests
{
    private static (ActivityListener Listener, List<Activity> Stopped) Listen()
    {
        var stopped = new List<Activity>();
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SmtpTracing.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (stopped) { stopped.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        return (listener, stopped);
    }

    [Theory]
    [ChunkSizes]
    public async Task TwoTransactionsAndAReset_ThreeRootTraces_CallsRunUnderTheirs(int chunkSize)
    {
        var (listener, stopped) = Listen();
        using var _ = listener;
        var smtp = new SmtpTestHarness();
        smtp.Start();
        using var ambient = new Activity("connection").Start();
        var replies = await smtp.SendAsync(
            "EHLO client.example\r\n" +
            "MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: one\r\n\r\nbody\r\n.\r\n" +
            "MAIL FROM:<b@remote.example>\r\nRCPT TO:<bob@example.com>\r\nRSET\r\n" +
            "MAIL FROM:<c@remote.example>\r\nRCPT TO:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: two\r\n\r\nbody\r\n.\r\nQUIT\r\n",
            chunkSize);
        smtp.Session.EndTrace();

        var transactions = stopped.Where(a => a.OperationName == "smtp.transaction").ToList();
        Assert.Equal(3, transactions.Count);
        Assert.All(transactions, t => Assert.Null(t.ParentId));
        Assert.Equal(3, transactions.Select(t => t.TraceId).Distinct().Count());
        Assert.DoesNotContain(transactions, t => t.TraceId == ambient.TraceId);

        var queued = replies.Where(r => r.Code == 250 && r.ToSingleLine().Contains("queued as", StringComparison.Ordinal)).Select(r => r.ToSingleLine().Split(' ')[^1]).ToList();
        Assert.Equal(2, queued.Count);
        Assert.Equal(queued[0], transactions[0].GetTagItem("emailai.queue_id"));
        Assert.Null(transactions[1].GetTagItem("emailai.queue_id"));
        Assert.Equal(queued[1], transactions[2].GetTagItem("emailai.queue_id"));
        Assert.Equal(250, transactions[0].GetTagItem("smtp.reply_code"));
        Assert.Equal("<b@remote.example>", transactions[1].GetTagItem("smtp.sender"));

        var ids = transactions.Select(t => t.TraceId.ToString()).ToList();
        Assert.Equal([ids[0], ids[1], ids[2], ids[2]], smtp.Policy.TraceIds);
        Assert.Equal([ids[0], ids[2]], smtp.Sink.TraceIds);
        Assert.Same(ambient, Activity.Current);
    }

    [Theory]
    [ChunkSizes]
    public async Task MailRefusedOnItsParameters_NoTrace_ClientGoneMidTransaction_EndsAbandoned(int chunkSize)
    {
        var (listener, stopped) = Listen();
        using var _ = listener;
        var smtp = new SmtpTestHarness(o => o.MaxMessageSize = 100);
        smtp.Start();
        var replies = await smtp.SendAsync("EHLO client.example\r\nMAIL FROM:<a@remote.example> SIZE=5000\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.com>\r\n", chunkSize);
        Assert.Contains(replies, r => r.Code == 552);
        Assert.Empty(stopped);
        smtp.Session.EndTrace();
        smtp.Session.EndTrace();

        var transaction = Assert.Single(stopped);
        Assert.Equal(("smtp.transaction", true), (transaction.OperationName, transaction.GetTagItem("smtp.abandoned")));
    }

    [Fact]
    public async Task NobodyListening_StillOneTraceIdPerTransaction_ForTheLogLines()
    {
        var smtp = new SmtpTestHarness();
        smtp.Start();
        await smtp.SendAsync("EHLO c\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.com>\r\nRSET\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.com>\r\n");
        Assert.Equal(2, smtp.Policy.TraceIds.Count);
        Assert.All(smtp.Policy.TraceIds, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.NotEqual(smtp.Policy.TraceIds[0], smtp.Policy.TraceIds[1]);
    }
}

/// <summary>Activity listeners are process-wide: the tracing tests do not run beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SmtpTracingCollection
{
    public const string Name = "SMTP tracing";
}
