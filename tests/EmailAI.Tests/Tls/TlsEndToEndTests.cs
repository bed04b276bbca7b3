using System.Diagnostics;
using System.Security.Authentication;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Tls;

/// <summary>
/// TLS against the real server process, with real clients: raw sockets for the injection cases (CVE-2011-0411),
/// MailKit for STARTTLS on 25 and 587, implicit TLS on 465 and 995 and STLS on 110, openssl s_client, a TLS 1.1
/// client, the handshake timeout at its limit, and the self-signed certificate's log line.
/// </summary>
public sealed class TlsEndToEndTests(TlsFixture fixture) : IClassFixture<TlsFixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Smtp_MailPipelinedBehindStartTls_NotExecutedFreshSessionAfterHandshake()
    {
        await using var client = await TlsLineClient.ConnectAsync(Server.SmtpPort);
        Assert.StartsWith("220 ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Contains("250-STARTTLS", await client.CommandAsync("EHLO inject.example"), StringComparison.Ordinal);

        await client.SendAsync("STARTTLS\r\nMAIL FROM:<a@b>\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", await client.ReadReplyAsync());
        await client.StartTlsAsync();

        // Had the pipelined MAIL been executed, this would be 503 5.5.1 Sender already specified (or 250 to a second MAIL).
        Assert.Equal("503 5.5.1 Send HELO/EHLO first", await client.CommandAsync("MAIL FROM:<a@b>"));
        var ehlo = await client.CommandAsync("EHLO inject.example");
        Assert.DoesNotContain("STARTTLS", ehlo, StringComparison.Ordinal);
        Assert.Equal("250 2.1.0 Sender OK", await client.CommandAsync("MAIL FROM:<a@b>"));
        Assert.Equal("503 5.5.1 TLS already active", await client.CommandAsync("STARTTLS"));
        Assert.StartsWith("221 ", await client.CommandAsync("QUIT"), StringComparison.Ordinal);
        await WaitForLogAsync("octets after STARTTLS before the TLS handshake; discarded");
        Assert.Contains("sent 17 octets after STARTTLS", Server.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_HalfCloseAfterQuitUnderTls_EveryCommandAnswered()
    {
        await using var client = await TlsLineClient.ConnectAsync(Server.SmtpPort);
        await client.ReadReplyAsync();
        Assert.Equal("220 2.0.0 Ready to start TLS", await client.CommandAsync("STARTTLS"));
        await client.StartTlsAsync();

        await client.SendAsync("EHLO halfclose.example\r\nMAIL FROM:<a@b>\r\nNOOP\r\nQUIT\r\n");
        client.HalfClose();

        Assert.StartsWith("250-" + TlsFixture.ServerDomain, await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Equal("250 2.1.0 Sender OK", await client.ReadReplyAsync());
        Assert.Equal("250 2.0.0 OK", await client.ReadReplyAsync());
        Assert.StartsWith("221 2.0.0", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.True(await client.IsClosedByServerAsync(TlsLineClient.ReplyTimeout));
    }

    [Fact]
    public async Task Pop3_UserPipelinedBehindStls_NotPendingAfterHandshake()
    {
        await using var client = await TlsLineClient.ConnectAsync(Server.Pop3Port);
        Assert.StartsWith("+OK ", await client.ReadLineAsync(), StringComparison.Ordinal);

        await client.SendAsync("STLS\r\nUSER x\r\n");
        Assert.Equal("+OK Begin TLS negotiation", await client.ReadLineAsync());
        await client.StartTlsAsync();

        await client.SendAsync("PASS y\r\n");
        Assert.Equal("-ERR USER first", await client.ReadLineAsync());
        await client.SendAsync("STLS\r\n");
        Assert.Equal("-ERR Command not permitted when TLS active", await client.ReadLineAsync());
        await WaitForLogAsync("octets after STLS before the TLS handshake; discarded");
    }

    [Fact]
    public async Task Smtp_MailKitStartTlsOnPort25_DeliveredThenPop3StlsAndPop3sSeeIt()
    {
        const string alice = "alice@starttls.tls.e2e.test";
        await Server.ProvisionAsync(alice);

        using (var smtp = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await smtp.ConnectAsync("127.0.0.1", Server.SmtpPort, SecureSocketOptions.StartTls);
            Assert.True(smtp.IsSecure);
            Assert.True(smtp.IsEncrypted);
            Assert.Contains(smtp.SslProtocol, new[] { SslProtocols.Tls12, SslProtocols.Tls13 });
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("bob@remote.test"));
            message.To.Add(MailboxAddress.Parse(alice));
            message.Subject = "over STARTTLS";
            message.Body = new TextPart("plain") { Text = "sent under TLS" };
            var reply = await smtp.SendAsync(message);
            Assert.Contains("queued as", reply, StringComparison.Ordinal);
            await smtp.DisconnectAsync(quit: true);
        }

        using (var pop3 = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await pop3.ConnectAsync("127.0.0.1", Server.Pop3Port, SecureSocketOptions.StartTls);
            Assert.True(pop3.IsSecure);
            await pop3.AuthenticateAsync(alice, Pop3Steps.Password);
            Assert.Equal(1, pop3.Count);
            await pop3.DisconnectAsync(quit: true);
        }

        using (var pop3s = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await pop3s.ConnectAsync("127.0.0.1", Server.Pop3sPort, SecureSocketOptions.SslOnConnect);
            Assert.True(pop3s.IsSecure);
            Assert.False(pop3s.Capabilities.HasFlag(Pop3Capabilities.StartTLS));
            await pop3s.AuthenticateAsync(alice, Pop3Steps.Password);
            var received = await pop3s.GetMessageAsync(0);
            Assert.Equal("over STARTTLS", received.Subject);
            await pop3s.DisconnectAsync(quit: true);
        }
    }

    [Fact]
    public async Task Submission_MailKitStartTlsOnPort587_HandshakeAndEhloUnderTls()
    {
        using var smtp = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await smtp.ConnectAsync("127.0.0.1", Server.SubmissionPort, SecureSocketOptions.StartTls);

        Assert.True(smtp.IsSecure);
        Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        await smtp.NoOpAsync();
        await smtp.DisconnectAsync(quit: true);

        // What MailKit saw, byte by byte: STARTTLS offered in clear, not any more once under TLS.
        await using var raw = await TlsLineClient.ConnectAsync(Server.SubmissionPort);
        await raw.ReadReplyAsync();
        Assert.Contains("250-STARTTLS", await raw.CommandAsync("EHLO submit.example"), StringComparison.Ordinal);
        Assert.Equal("220 2.0.0 Ready to start TLS", await raw.CommandAsync("STARTTLS"));
        await raw.StartTlsAsync();
        var ehlo = await raw.CommandAsync("EHLO submit.example");
        Assert.StartsWith("250-" + TlsFixture.ServerDomain, ehlo, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", ehlo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submissions_MailKitSslOnConnectOnPort465_SecureFromTheStart()
    {
        using var smtp = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await smtp.ConnectAsync("127.0.0.1", Server.SubmissionsPort, SecureSocketOptions.SslOnConnect);

        Assert.True(smtp.IsSecure);
        Assert.False(smtp.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        await smtp.NoOpAsync();
        await smtp.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Submissions_PlainTextClient_HandshakeFailsConnectionClosed()
    {
        await using var client = await TlsLineClient.ConnectAsync(Server.SubmissionsPort);

        await client.SendAsync("EHLO plain.example\r\n");

        Assert.True(await client.IsClosedByServerAsync(TlsLineClient.ReplyTimeout), "a plaintext client on 465 was not disconnected");
        await WaitForLogAsync("TLS handshake with 127.0.0.1 failed");
    }

    [Fact]
    public async Task OpenSsl_StartTlsSmtpAndPop3_Established()
    {
        if (!File.Exists("/usr/bin/openssl"))
        {
            Assert.Fail("openssl is not installed (apt-get install openssl); this test needs it");
        }

        var smtp = await OpenSslAsync(["-starttls", "smtp", "-connect", $"127.0.0.1:{Server.SmtpPort}"], "EHLO openssl.example\r\nQUIT\r\n");
        Assert.Contains("Protocol version: TLSv1.3", smtp, StringComparison.Ordinal);
        Assert.Contains("250 SMTPUTF8", smtp, StringComparison.Ordinal);
        Assert.Contains("221 2.0.0", smtp, StringComparison.Ordinal);

        var pop3 = await OpenSslAsync(["-starttls", "pop3", "-connect", $"127.0.0.1:{Server.Pop3Port}"], "CAPA\r\nQUIT\r\n");
        Assert.Contains("Protocol version: TLSv1.3", pop3, StringComparison.Ordinal);
        Assert.Contains("SASL PLAIN", pop3, StringComparison.Ordinal);
        Assert.Contains("+OK bye", pop3, StringComparison.Ordinal);

        // The server ends TLS with close_notify (RFC 8446 §6.1) after its last reply, as Postfix does; without
        // it openssl reports the end of the session as a truncation.
        Assert.DoesNotContain("unexpected eof", smtp, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("unexpected eof", pop3, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Tls11Client_Refused()
    {
        // SECLEVEL=0 lets this openssl offer TLS 1.1 at all; the server must still refuse it, and say so.
        var before = FailedHandshakes();
        var output = await OpenSslAsync(["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-connect", $"127.0.0.1:{Server.Pop3sPort}"], "");
        Assert.DoesNotContain("CONNECTION ESTABLISHED", output, StringComparison.Ordinal);
        Assert.Contains("alert protocol version", output, StringComparison.Ordinal);
        for (var i = 0; i < 50 && FailedHandshakes() == before; i++)
        {
            await Task.Delay(100);
        }

        Assert.True(FailedHandshakes() > before, "the server logged no failed handshake for the TLS 1.1 client");

        await using var client = await TlsLineClient.ConnectAsync(Server.SmtpPort);
        await client.ReadReplyAsync();
        await client.CommandAsync("STARTTLS");
#pragma warning disable SYSLIB0039 // TLS 1.1 on purpose: the test is that it is refused.
        await Assert.ThrowsAnyAsync<Exception>(() => client.StartTlsAsync(SslProtocols.Tls11));
#pragma warning restore SYSLIB0039
    }

    [Fact]
    public async Task HandshakeTimeout_ClientSilentAfterStartTls_OpenJustBeforeTheLimitClosedAfter()
    {
        await using var client = await TlsLineClient.ConnectAsync(Server.SmtpPort);
        await client.ReadReplyAsync();
        Assert.Equal("220 2.0.0 Ready to start TLS", await client.CommandAsync("STARTTLS"));
        var clock = Stopwatch.StartNew();

        Assert.False(await client.IsClosedByServerAsync(TlsFixture.HandshakeTimeout - TimeSpan.FromMilliseconds(500)), "closed before the handshake timeout");
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)), "still open 5 s after the handshake timeout");
        Assert.InRange(clock.Elapsed, TlsFixture.HandshakeTimeout - TimeSpan.FromMilliseconds(500), TlsFixture.HandshakeTimeout + TimeSpan.FromSeconds(5));
        await WaitForLogAsync($"timed out after {TlsFixture.HandshakeTimeout}");
    }

    [Fact]
    public async Task SelfSigned_NoCertificateConfigured_GeneratedForServerDomainAndFingerprintLogged()
    {
        await using var client = await TlsLineClient.ConnectAsync(Server.Pop3sPort, implicitTls: true);
        var certificate = client.ServerCertificate!;

        Assert.Equal("CN=" + TlsFixture.ServerDomain, certificate.Subject);
        var fingerprint = string.Join(':', TestCertificates.Thumbprint(certificate).Chunk(2).Select(pair => new string(pair)));
        var path = Path.Combine(Server.DataDirectory, "tls", "self-signed.crt");
        Assert.True(File.Exists(path));
        Assert.Contains($"generated self-signed certificate {Path.GetFullPath(path)} for {TlsFixture.ServerDomain}", Server.Log, StringComparison.Ordinal);
        Assert.Contains("SHA-256 " + fingerprint, Server.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_Handshakes_CountedByProtocolVersionAndResult()
    {
        await using (var client = await TlsLineClient.ConnectAsync(Server.SubmissionsPort, implicitTls: true))
        {
            Assert.StartsWith("220 ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        }

        await using (var client = await TlsLineClient.ConnectAsync(Server.Pop3Port))
        {
            await client.ReadLineAsync();
            await client.SendAsync("STLS\r\n");
            await client.ReadLineAsync();
            await client.StartTlsAsync();
            await client.SendAsync("QUIT\r\n");
            await client.ReadLineAsync();
        }

        string metrics = "";
        for (var i = 0; i < 50 && !(metrics.Contains("emailai_tls_upgraded_sessions", StringComparison.Ordinal) && metrics.Contains("protocol=\"smtp\",result=\"ok\",version=\"TLSv1.3\"", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(200);
            metrics = await Server.Admin.GetStringAsync("/metrics");
        }

        Assert.Contains("emailai_tls_handshakes_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("protocol=\"smtp\",result=\"ok\",version=\"TLSv1.3\"", metrics, StringComparison.Ordinal);
        Assert.Contains("protocol=\"pop3\",result=\"ok\",version=\"TLSv1.3\"", metrics, StringComparison.Ordinal);
        Assert.Contains("emailai_tls_upgraded_sessions_total{", metrics, StringComparison.Ordinal);
    }

    private int FailedHandshakes() => Server.Log.Split('\n').Count(line => line.Contains("TLS handshake with 127.0.0.1 failed", StringComparison.Ordinal));

    private async Task WaitForLogAsync(string text)
    {
        for (var i = 0; i < 100 && !Server.Log.Contains(text, StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains(text, Server.Log, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>openssl s_client -brief</c> with the given input; returns its stdout and stderr.</summary>
    public static async Task<string> OpenSslAsync(string[] arguments, string input)
    {
        var info = new ProcessStartInfo("openssl") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("s_client");
        info.ArgumentList.Add("-brief");
        info.ArgumentList.Add("-crlf");
        // Without it a line starting with Q (QUIT) or R would be s_client's own command, not sent to the server.
        info.ArgumentList.Add("-nocommands");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Line by line, each after a pause: s_client must have finished the handshake before the commands go.
        await Task.Delay(1000);
        foreach (var line in input.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            await process.StandardInput.WriteAsync(line + "\n");
            await process.StandardInput.FlushAsync();
            await Task.Delay(300);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Task.Delay(500);
        process.StandardInput.Close();
        await process.WaitForExitAsync(timeout.Token);
        return await stdout + await stderr;
    }
}
