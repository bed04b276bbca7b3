using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailAI.Tests.Submission;

/// <summary>
/// Issue 10 as a mail client sees it: MailKit submits over 587 with STARTTLS, over 465 with TLS from the first
/// byte and over 25 after STARTTLS, authenticating with SCRAM-SHA-256, PLAIN and LOGIN; the mail arrives with a
/// Received field that says ESMTPSA and the TLS in use, and with the Date and Message-ID a submission server
/// adds; it is collected over POP3 after STLS and over 995. The refusals a client meets (530 before AUTH, 535,
/// 553 for a sender it does not own, no AUTH in plaintext on 25) are checked with the same client.
/// </summary>
public sealed class SubmissionMailKitTests(SubmissionFixture fixture) : IClassFixture<SubmissionFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private EndToEnd.ServerProcess Server => fixture.Server;

    public static TheoryData<string> Mechanisms => new() { "SCRAM-SHA-256", "PLAIN", "LOGIN" };

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public async Task Submission587_StartTlsThenAuth_DeliveredWithEsmtpsaTlsCommentDateAndMessageId(string mechanism)
    {
        var subject = $"587 {mechanism} {Guid.NewGuid():N}";
        using (var smtp = NewSmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", fixture.SubmissionPort, SecureSocketOptions.StartTls).WaitAsync(Timeout);
            Assert.True(smtp.IsSecure);
            Assert.Contains(mechanism, smtp.AuthenticationMechanisms);
            await smtp.AuthenticateAsync(Sasl(mechanism, SubmissionFixture.Alice, SubmissionFixture.Password)).WaitAsync(Timeout);
            await smtp.SendAsync(Bare(SubmissionFixture.Alice, SubmissionFixture.Bob, subject)).WaitAsync(Timeout);
            await smtp.DisconnectAsync(quit: true);
        }

        var received = await CollectAsync(SubmissionFixture.Bob, subject, fixture.Pop3sPort, SecureSocketOptions.SslOnConnect);
        var trace = received.Headers[HeaderId.Received];
        Assert.Contains("with ESMTPSA", trace);
        Assert.Matches(@"\(using TLSv1\.[23] with cipher [A-Z0-9_]+ \(\d+/\d+ bits\)\)", trace);
        Assert.NotNull(received.Headers[HeaderId.Date]);
        Assert.EndsWith("@" + SubmissionFixture.ServerDomain, received.MessageId);
    }

    [Fact]
    public async Task Submissions465_TlsFromTheFirstByte_AuthenticatesAndSendsToARemoteDomain()
    {
        using var smtp = NewSmtpClient();
        await smtp.ConnectAsync("127.0.0.1", fixture.SubmissionsPort, SecureSocketOptions.SslOnConnect).WaitAsync(Timeout);
        Assert.True(smtp.IsSecure);
        Assert.False(smtp.Capabilities.HasFlag(SmtpCapabilities.StartTLS), "STARTTLS offered inside TLS");
        await smtp.AuthenticateAsync(SubmissionFixture.Alice, SubmissionFixture.Password).WaitAsync(Timeout);

        // Relayed because the session authenticated: 127.0.0.1 is not on the (empty) Authorised IP list.
        await smtp.SendAsync(Bare(SubmissionFixture.Alice, "someone@remote.invalid", "465 relay")).WaitAsync(Timeout);
        await smtp.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Mta25_AuthOfferedOnlyAfterStartTls_ThenRelays()
    {
        using (var plain = NewSmtpClient())
        {
            await plain.ConnectAsync("127.0.0.1", Server.SmtpPort, SecureSocketOptions.None).WaitAsync(Timeout);
            Assert.True(plain.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
            Assert.False(plain.Capabilities.HasFlag(SmtpCapabilities.Authentication), "AUTH offered without TLS");

            // Without AUTH a relay is what it always was: refused.
            var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => plain.SendAsync(Bare(SubmissionFixture.Alice, "someone@remote.invalid", "25 plain relay")));
            Assert.Equal(554, (int)refused.StatusCode);
            await plain.DisconnectAsync(quit: true);
        }

        using var smtp = NewSmtpClient();
        await smtp.ConnectAsync("127.0.0.1", Server.SmtpPort, SecureSocketOptions.StartTls).WaitAsync(Timeout);
        Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.Authentication));
        await smtp.AuthenticateAsync(SubmissionFixture.Alice, SubmissionFixture.Password).WaitAsync(Timeout);
        await smtp.SendAsync(Bare(SubmissionFixture.Alice, "someone@remote.invalid", "25 relay after AUTH")).WaitAsync(Timeout);
        await smtp.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Mta25_InternetMailUnderStartTls_EsmtpsAndNothingAdded()
    {
        var subject = $"25 internet {Guid.NewGuid():N}";
        using (var smtp = NewSmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", Server.SmtpPort, SecureSocketOptions.StartTls).WaitAsync(Timeout);
            await smtp.SendAsync(Bare("someone@sender.example", SubmissionFixture.Bob, subject)).WaitAsync(Timeout);
            await smtp.DisconnectAsync(quit: true);
        }

        var received = await CollectAsync(SubmissionFixture.Bob, subject, Server.Pop3Port, SecureSocketOptions.StartTls);
        Assert.Contains("with ESMTPS", received.Headers[HeaderId.Received]);
        Assert.DoesNotContain("ESMTPSA", received.Headers[HeaderId.Received]);
        Assert.Null(received.Headers[HeaderId.Date]);
        Assert.Null(received.Headers[HeaderId.MessageId]);
    }

    [Fact]
    public async Task Submission587_MailBeforeAuth_530AuthenticationRequired()
    {
        using var smtp = NewSmtpClient();
        await smtp.ConnectAsync("127.0.0.1", fixture.SubmissionPort, SecureSocketOptions.StartTls).WaitAsync(Timeout);

        // MailKit turns a 530 (and only a 530) into ServiceNotAuthenticatedException, with the reply's text.
        var refused = await Assert.ThrowsAsync<ServiceNotAuthenticatedException>(() => smtp.SendAsync(Bare(SubmissionFixture.Alice, SubmissionFixture.Bob, "no auth")));

        Assert.Equal("5.7.0 Authentication required", refused.Message);
    }

    [Fact]
    public async Task Submission587_WrongPassword_535AndNoRelay()
    {
        using var smtp = NewSmtpClient();
        await smtp.ConnectAsync("127.0.0.1", fixture.SubmissionPort, SecureSocketOptions.StartTls).WaitAsync(Timeout);

        var failed = await Assert.ThrowsAsync<AuthenticationException>(() => smtp.AuthenticateAsync(new SaslMechanismPlain(new NetworkCredential(SubmissionFixture.Alice, "not-the-password"))));

        Assert.Contains("5.7.8", failed.Message);
        var refused = await Assert.ThrowsAsync<ServiceNotAuthenticatedException>(() => smtp.SendAsync(Bare(SubmissionFixture.Alice, "someone@remote.invalid", "after 535")));
        Assert.Equal("5.7.0 Authentication required", refused.Message);
    }

    [Fact]
    public async Task Submission587_SenderTheUserDoesNotOwn_553()
    {
        using var smtp = NewSmtpClient();
        await smtp.ConnectAsync("127.0.0.1", fixture.SubmissionPort, SecureSocketOptions.StartTls).WaitAsync(Timeout);
        await smtp.AuthenticateAsync(SubmissionFixture.Alice, SubmissionFixture.Password).WaitAsync(Timeout);

        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => smtp.SendAsync(Bare(SubmissionFixture.Bob, "someone@remote.invalid", "forged sender")));

        Assert.Equal(553, (int)refused.StatusCode);
        Assert.Contains("Sender address not owned by the authenticated user", refused.Message);
    }

    [Fact]
    public async Task Pop3_StlsOn110AndTlsOn995_LoginAndList()
    {
        foreach (var (port, mode) in new[] { (Server.Pop3Port, SecureSocketOptions.StartTls), (fixture.Pop3sPort, SecureSocketOptions.SslOnConnect) })
        {
            using var pop3 = NewPop3Client();
            await pop3.ConnectAsync("127.0.0.1", port, mode).WaitAsync(Timeout);
            Assert.True(pop3.IsSecure, $"port {port}");
            await pop3.AuthenticateAsync(SubmissionFixture.Alice, SubmissionFixture.Password).WaitAsync(Timeout);
            Assert.True(pop3.Count >= 0);
            await pop3.DisconnectAsync(quit: true);
        }
    }

    private static MailKit.Net.Smtp.SmtpClient NewSmtpClient() => new() { ServerCertificateValidationCallback = IsOurCertificate, Timeout = 60_000 };

    private static Pop3Client NewPop3Client() => new() { ServerCertificateValidationCallback = IsOurCertificate, Timeout = 60_000 };

    /// <summary>The embedded default's self-signed certificate, for the configured server name.</summary>
    private static bool IsOurCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && new X509Certificate2(certificate).MatchesHostname(SubmissionFixture.ServerDomain);

    private static SaslMechanism Sasl(string mechanism, string user, string password)
    {
        var credential = new NetworkCredential(user, password);
        return mechanism switch
        {
            "SCRAM-SHA-256" => new SaslMechanismScramSha256(credential),
            "PLAIN" => new SaslMechanismPlain(credential),
            "LOGIN" => new SaslMechanismLogin(credential),
            _ => throw new ArgumentOutOfRangeException(nameof(mechanism)),
        };
    }

    /// <summary>A message with neither Date nor Message-ID, as some scripts and devices submit.</summary>
    private static MimeMessage Bare(string from, string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello.\n" };
        message.Headers.Remove(HeaderId.Date);
        message.Headers.Remove(HeaderId.MessageId);
        return message;
    }

    /// <summary>Logs in as <paramref name="account"/> until the message with <paramref name="subject"/> is there, and returns it.</summary>
    private static async Task<MimeMessage> CollectAsync(string account, string subject, int port, SecureSocketOptions mode)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            using (var pop3 = NewPop3Client())
            {
                await pop3.ConnectAsync("127.0.0.1", port, mode).WaitAsync(Timeout);
                await pop3.AuthenticateAsync(account, SubmissionFixture.Password).WaitAsync(Timeout);
                for (var i = 0; i < pop3.Count; i++)
                {
                    var message = await pop3.GetMessageAsync(i);
                    if (message.Subject == subject)
                    {
                        await pop3.DisconnectAsync(quit: true);
                        return message;
                    }
                }

                await pop3.DisconnectAsync(quit: true);
            }

            Assert.True(DateTime.UtcNow < deadline, $"{subject} did not arrive for {account}");
            await Task.Delay(200);
        }
    }
}
