using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EmailAI.Tests.Delivery;
using EmailAI.Tests.EndToEnd;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailAI.Tests.WhiteList;

/// <summary>
/// The learning rule as a mail client meets it, over submission (587, STARTTLS, AUTH) with MailKit: what an
/// authenticated user sends teaches that user's list; what bob sends in alice's name (which
/// <c>submissionSenders</c> <c>any</c> lets through) teaches neither list. The client address 127.0.0.1 is not on the
/// Authorised IP list here, so only the authentication can teach (the Authorised IP case: Relay/WhiteListTests).
/// </summary>
public sealed class WhiteListLearningEndToEndTests
{
    private const string ServerDomain = "mx.learning.test";
    private const string Alice = "alice@learning.test";
    private const string Bob = "bob@learning.test";
    private const string Password = "a-long-test-secret";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Submission_AuthenticatedAsTheSender_RecipientsJoinTheSendersList()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var server = await StartAsync(sink);

        await SendAsync(server, login: Alice, sender: Alice, ["Friend@Remote.Example", "colleague@other.example"]);

        var list = await WhiteListAdmin.WaitForListAsync(server, Alice, 2);
        Assert.Equal(["colleague@other.example", "friend@remote.example"], list.Select(e => e.GetProperty("address").GetString()));
        Assert.All(list, e => Assert.Equal("relayed", e.GetProperty("source").GetString()));
        Assert.Equal(0, (await WhiteListAdmin.ListAsync(server, Bob)).GetArrayLength());
    }

    [Fact]
    public async Task Submission_AuthenticatedAsBobSendingAsAlice_TeachesNeitherList()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var server = await StartAsync(sink);

        await SendAsync(server, login: Bob, sender: Alice, ["forged@remote.example"]);
        await sink.WaitForMessagesAsync(1, Timeout);

        // A message alice really sends afterwards shows her list is learning; the forged recipient is not on it.
        await SendAsync(server, login: Alice, sender: Alice, ["real@remote.example"]);
        var list = await WhiteListAdmin.WaitForListAsync(server, Alice, 1);
        Assert.Equal(["real@remote.example"], list.Select(e => e.GetProperty("address").GetString()));
        Assert.Equal(0, (await WhiteListAdmin.ListAsync(server, Bob)).GetArrayLength());
    }

    private static async Task<ServerProcess> StartAsync(SmtpSink sink)
    {
        var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:ServerDomain"] = ServerDomain,
            ["EmailAI:Delivery:Routes:*"] = $"127.0.0.1:{sink.Port}",
        });
        await server.ProvisionAsync(Alice, Password);
        await server.ProvisionAsync(Bob, Password);
        using var relay = await server.Admin.PutAsync(
            "/api/v1/relay",
            ServerProcess.Json("""{"authorisedIps":[],"autoWhiteListRecipients":true,"submissionSenders":"any"}"""));
        relay.EnsureSuccessStatusCode();
        return server;
    }

    private static async Task SendAsync(ServerProcess server, string login, string sender, string[] recipients)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(sender));
        foreach (var recipient in recipients)
        {
            message.To.Add(MailboxAddress.Parse(recipient));
        }

        message.Subject = "hello";
        message.Body = new TextPart("plain") { Text = "Hello.\n" };
        using var smtp = new SmtpClient { ServerCertificateValidationCallback = IsOurCertificate, Timeout = 60_000 };
        await smtp.ConnectAsync("127.0.0.1", server.SubmissionPort, SecureSocketOptions.StartTls).WaitAsync(Timeout);
        await smtp.AuthenticateAsync(login, Password).WaitAsync(Timeout);
        await smtp.SendAsync(message, MailboxAddress.Parse(sender), recipients.Select(MailboxAddress.Parse)).WaitAsync(Timeout);
        await smtp.DisconnectAsync(quit: true);
    }

    /// <summary>The embedded default's self-signed certificate, for the configured server name.</summary>
    private static bool IsOurCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && new X509Certificate2(certificate).MatchesHostname(ServerDomain);
}
