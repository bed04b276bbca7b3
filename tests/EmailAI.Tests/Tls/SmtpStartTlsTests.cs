using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Tls;

/// <summary>
/// STARTTLS (RFC 3207) in the SMTP engine, at every chunk size: the EHLO keyword, the 220 and the end of clear-text
/// input, the reset to the state after the greeting, the refusals, and CVE-2011-0411 (commands pipelined behind
/// STARTTLS are never executed).
/// </summary>
public sealed class SmtpStartTlsTests
{
    private static readonly SmtpSessionContext Port25 = new(SmtpEndpoint.Mta, TlsAvailable: true);

    private const string Greeting = "220 mx.example.com ESMTP EmailAI ready\r\n";

    private static string Ehlo(bool startTls) =>
        "250-mx.example.com Hello [192.0.2.10]\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
        + (startTls ? "250-STARTTLS\r\n" : "") + "250 SMTPUTF8\r\n";

    [Theory]
    [ChunkSizes]
    public async Task StartTls_AfterHandshake_FreshSessionNeedsEhloAndTakesMail(int chunkSize)
    {
        var driver = new SmtpTlsDriver(Port25);

        await driver.SendAsync("EHLO client.example\r\nSTARTTLS\r\n", chunkSize);
        Assert.True(driver.Session.TlsRequested);
        Assert.Equal(Greeting + Ehlo(startTls: true) + "220 2.0.0 Ready to start TLS\r\n", driver.Wire);

        driver.Handshake();
        Assert.True(driver.Session.IsTls);
        Assert.False(driver.Session.TlsRequested);
        Assert.Equal(SmtpState.Connected, driver.Session.State);
        Assert.Null(driver.Session.Info.HeloName);

        var before = driver.Wire.Length;
        await driver.SendAsync(
            "MAIL FROM:<s@remote.example>\r\nEHLO client.example\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: t\r\n\r\nhi\r\n.\r\n",
            chunkSize);

        Assert.Equal(
            "503 5.5.1 Send HELO/EHLO first\r\n" + Ehlo(startTls: false) + "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n"
            + "354 Start mail input; end with <CRLF>.<CRLF>\r\n250 2.0.0 OK queued as {QID}\r\n",
            Regex.Replace(driver.Wire[before..], "queued as [0-9A-Z]+", "queued as {QID}"));
        Assert.Single(driver.Sink.Deliveries);
        Assert.Equal(0, driver.Discarded);
    }

    [Theory]
    [ChunkSizes]
    public async Task StartTls_MailPipelinedBehindItInOneWrite_NeverExecuted(int chunkSize)
    {
        var driver = new SmtpTlsDriver(Port25);
        await driver.SendAsync("EHLO client.example\r\n");
        var before = driver.Wire.Length;

        await driver.SendAsync("STARTTLS\r\nMAIL FROM:<a@b>\r\n", chunkSize);

        Assert.Equal("220 2.0.0 Ready to start TLS\r\n", driver.Wire[before..]);
        Assert.Equal("MAIL FROM:<a@b>\r\n".Length, driver.Discarded);

        driver.Handshake();
        before = driver.Wire.Length;
        await driver.SendAsync("MAIL FROM:<a@b>\r\n", chunkSize);
        Assert.Equal("503 5.5.1 Send HELO/EHLO first\r\n", driver.Wire[before..]);
    }

    [Theory]
    [ChunkSizes]
    public async Task StartTls_TransactionBeforeIt_Forgotten(int chunkSize)
    {
        var driver = new SmtpTlsDriver(Port25);
        await driver.SendAsync("EHLO client.example\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.com>\r\nSTARTTLS\r\n", chunkSize);
        driver.Handshake();
        var before = driver.Wire.Length;

        await driver.SendAsync("EHLO again.example\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n", chunkSize);

        Assert.Equal(Ehlo(startTls: false) + "503 5.5.1 Need MAIL command\r\n503 5.5.1 Need MAIL command\r\n", driver.Wire[before..]);
        Assert.Equal("again.example", driver.Session.Info.HeloName);
    }

    [Theory]
    [InlineData("STARTTLS now", "501 5.5.4 Syntax: STARTTLS\r\n")]
    [InlineData("starttls", "220 2.0.0 Ready to start TLS\r\n")]
    public async Task StartTls_Arguments_Refused501(string line, string reply)
    {
        var driver = new SmtpTlsDriver(Port25);
        await driver.SendAsync("EHLO c.example\r\n");
        var before = driver.Wire.Length;

        await driver.SendAsync(line + "\r\n");

        Assert.Equal(reply, driver.Wire[before..]);
        Assert.Equal(reply.StartsWith("220", StringComparison.Ordinal), driver.Session.TlsRequested);
    }

    [Fact]
    public async Task StartTls_UnderTlsAlready_Refused503AndSessionGoesOn()
    {
        var driver = new SmtpTlsDriver(Port25);
        await driver.SendAsync("STARTTLS\r\n");
        driver.Handshake();
        var before = driver.Wire.Length;

        await driver.SendAsync("STARTTLS\r\nEHLO c.example\r\n");

        Assert.Equal("503 5.5.1 TLS already active\r\n" + Ehlo(startTls: false), driver.Wire[before..]);
        Assert.False(driver.Session.TlsRequested);
    }

    [Fact]
    public async Task StartTls_ImplicitTlsListener_NotOfferedAndRefused503()
    {
        var driver = new SmtpTlsDriver(new SmtpSessionContext(SmtpEndpoint.Submissions, TlsAvailable: true, SmtpTlsDriver.Tls13));
        Assert.True(driver.Session.IsTls);

        await driver.SendAsync("EHLO c.example\r\nSTARTTLS\r\n");

        Assert.Equal(Greeting + Ehlo(startTls: false) + "503 5.5.1 TLS already active\r\n", driver.Wire);
    }

    [Fact]
    public async Task StartTls_NoCertificate_NotOfferedAndRefused502()
    {
        var driver = new SmtpTlsDriver(SmtpSessionContext.Plain);

        await driver.SendAsync("EHLO c.example\r\nSTARTTLS\r\nMAIL FROM:<a@b>\r\n");

        Assert.Equal(Greeting + Ehlo(startTls: false) + "502 5.5.1 Command not implemented\r\n250 2.1.0 Sender OK\r\n", driver.Wire);
        Assert.False(driver.Session.TlsRequested);
    }

    [Fact]
    public void TlsStarted_WithoutStartTls_Throws()
    {
        var driver = new SmtpTlsDriver(Port25);

        Assert.Throws<InvalidOperationException>(() => driver.Handshake());
        Assert.False(driver.Session.IsTls);
    }

    [Fact]
    public async Task StartTls_WaitingForHandshake_ProcessConsumesNothing()
    {
        var driver = new SmtpTlsDriver(Port25);
        await driver.SendAsync("STARTTLS\r\n");

        var replies = new List<SmtpReply>();
        var input = new System.Buffers.ReadOnlySequence<byte>("NOOP\r\n"u8.ToArray());
        var position = await driver.Session.ProcessAsync(input, replies, CancellationToken.None);

        Assert.Empty(replies);
        Assert.Equal(0, input.Slice(input.Start, position).Length);
    }

    /// <summary>CVE-2011-0411 by property: whatever follows STARTTLS, however it is cut into reads, none of it runs.</summary>
    [Fact]
    public void StartTls_AnyJunkAnySplit_NothingAfterItExecuted()
    {
        var junk = Gen.OneOf(
            Gen.Byte.Array[0, 300],
            Gen.OneOf("MAIL FROM:<a@b>\r\n", "RCPT TO:<alice@example.com>\r\n", "DATA\r\n", "QUIT\r\n", "EHLO x\r\n", "STARTTLS\r\n", "\r\n", "\n")
                .Array[1, 20].Select(parts => Encoding.ASCII.GetBytes(string.Concat(parts))));
        Gen.Select(junk, Gen.Int[1, 40], Gen.Bool).Sample(
            (tail, chunkSize, greeted) =>
            {
                var driver = new SmtpTlsDriver(Port25);
                if (greeted)
                {
                    driver.SendAsync("EHLO c.example\r\n").GetAwaiter().GetResult();
                }

                var before = driver.Wire.Length;
                driver.SendAsync([.. "STARTTLS\r\n"u8, .. tail], chunkSize).GetAwaiter().GetResult();

                Assert.Equal("220 2.0.0 Ready to start TLS\r\n", driver.Wire[before..]);
                Assert.Equal(tail.Length, driver.Discarded);
                Assert.False(driver.Session.IsClosed);
                driver.Handshake();
                Assert.Equal(SmtpState.Connected, driver.Session.State);
                Assert.Empty(driver.Sink.Deliveries);
            },
            iter: 1000);
    }
}
