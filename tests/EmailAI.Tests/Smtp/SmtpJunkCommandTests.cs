using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// <see cref="SmtpOptions.MaxJunkCommands"/>. The finding it fixes: <c>NOOP</c> every 2 s kept a session open past
/// 40 s with a 10 s command timeout, for ever. Past the limit each junk command also counts as an error (Postfix's
/// smtpd_junk_command_limit), so MaxErrors ends the session.
/// </summary>
public sealed class SmtpJunkCommandTests
{
    private static SmtpTestHarness Create(Action<SmtpOptions>? configure = null) => new(o =>
    {
        o.MaxJunkCommands = 5;
        o.MaxErrors = 3;
        configure?.Invoke(o);
    });

    [Fact]
    public async Task Noop_AtTheLimit_NoErrorsAndSessionOpen()
    {
        var harness = Create();
        harness.Start();
        await harness.SendLineAsync("EHLO client.example.net");

        var replies = await harness.SendAsync(string.Concat(Enumerable.Repeat("NOOP\r\n", 5)));

        Assert.All(replies, reply => Assert.Equal(250, reply.Code));
        Assert.Equal(0, harness.Session.Counts.Errors);
        Assert.False(harness.Session.IsClosed);
    }

    [Theory, ChunkSizes]
    public async Task Noop_PastTheLimit_EachCountsAsErrorUntilMaxErrorsCloses421(int chunkSize)
    {
        var harness = Create();
        harness.Start();

        var replies = await harness.SendAsync("EHLO client.example.net\r\n" + string.Concat(Enumerable.Repeat("NOOP\r\n", 20)), chunkSize);

        // EHLO, 5 free NOOPs, 3 that count as errors (still answered 250), then 421.
        Assert.Equal(10, replies.Count);
        Assert.All(replies.Take(9), reply => Assert.Equal(250, reply.Code));
        Assert.Equal("421 4.7.0 Too many errors, closing connection\r\n", replies[^1].ToString());
        Assert.True(harness.Session.IsClosed);
        Assert.Equal(SmtpSessionLimit.MaxJunkCommands, harness.Session.EndedBy);
        Assert.Contains("MaxJunkCommands", harness.Events.Rejections[^1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JunkCommands_EveryKindCounts_SixthIsAnError()
    {
        var harness = Create(o => o.MaxErrors = 20);
        harness.Start();
        await harness.SendLineAsync("EHLO client.example.net");

        await harness.SendAsync("NOOP\r\nRSET\r\nHELP\r\nVRFY alice\r\nEXPN staff\r\n");
        Assert.Equal(1, harness.Session.Counts.Errors); // EXPN is refused 502: an error of its own
        await harness.SendLineAsync("ETRN example.com");

        // ETRN (502) is an error itself and, as the sixth junk command, one more.
        Assert.Equal(3, harness.Session.Counts.Errors);
    }

    [Fact]
    public async Task Ehlo_SecondInOnePhase_CountsAsJunkFirstDoesNot()
    {
        var harness = Create(o => o.MaxJunkCommands = 2);
        harness.Start();

        await harness.SendAsync("EHLO a.example\r\nEHLO b.example\r\nHELO c.example\r\n");
        Assert.Equal(0, harness.Session.Counts.Errors);
        await harness.SendLineAsync("EHLO d.example");

        Assert.Equal(1, harness.Session.Counts.Errors);
    }

    [Fact]
    public async Task Ehlo_FirstAfterStartTls_IsFreeAgain()
    {
        var harness = new SmtpTestHarness(o => o.MaxJunkCommands = 1, context: new SmtpSessionContext(SmtpEndpoint.Mta, TlsAvailable: true));
        harness.Start();
        await harness.SendAsync("EHLO a.example\r\nEHLO b.example\r\nSTARTTLS\r\n");
        harness.Session.TlsStarted(new TlsSessionInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256));

        await harness.SendLineAsync("EHLO a.example");
        Assert.Equal(0, harness.Session.Counts.Errors);
        await harness.SendLineAsync("EHLO a.example");

        Assert.Equal(1, harness.Session.Counts.Errors);
    }

    [Fact]
    public async Task JunkCount_MessageAccepted_Resets()
    {
        var harness = Create();
        harness.Start();
        await harness.SendLineAsync("EHLO client.example.net");
        var noops = string.Concat(Enumerable.Repeat("NOOP\r\n", 5));

        await harness.SendAsync(noops);
        var accepted = await harness.SendAsync("MAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: x\r\n\r\nx\r\n.\r\n");
        await harness.SendAsync(noops);

        Assert.Equal(250, accepted[^1].Code);
        Assert.Equal(0, harness.Session.Counts.Errors);
        Assert.False(harness.Session.IsClosed);
    }

    [Fact]
    public async Task JunkCount_MessageRefused_DoesNotReset()
    {
        var harness = Create(o => o.MaxMessageSize = 10);
        harness.Start();
        await harness.SendLineAsync("EHLO client.example.net");

        await harness.SendAsync(string.Concat(Enumerable.Repeat("NOOP\r\n", 5)));
        var refused = await harness.SendAsync("MAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: too big\r\n\r\nx\r\n.\r\n");
        await harness.SendLineAsync("NOOP");

        Assert.Equal(552, refused[^1].Code);
        Assert.Equal(2, harness.Session.Counts.Errors);
    }
}
