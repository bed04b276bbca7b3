using System.Text;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Submission;

/// <summary>
/// AUTH on raw sockets against the real server, for what a library client would never send: credentials in
/// clear on 25 and 587 (refused with 538 and never checked, no relay follows), a failed AUTH that then tries to
/// relay, and the sender check after a good AUTH under STARTTLS.
/// </summary>
public sealed class SubmissionRawTests(SubmissionFixture fixture) : IClassFixture<SubmissionFixture>
{
    private static readonly string AlicePlain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{SubmissionFixture.Alice}\0{SubmissionFixture.Password}"));

    [Fact]
    public async Task Port25InClear_AuthRefused538_NoAuthKeyword_RelayStillRefused()
    {
        using var client = await RawSmtpClient.ConnectAsync(fixture.Server.SmtpPort);
        var ehlo = await client.CommandAsync("EHLO raw.example");
        Assert.DoesNotContain("AUTH", ehlo);
        Assert.Contains("250-STARTTLS", ehlo);

        Assert.StartsWith("538 5.7.11 ", await client.CommandAsync("AUTH PLAIN " + AlicePlain));
        Assert.StartsWith("250 ", await client.CommandAsync($"MAIL FROM:<{SubmissionFixture.Alice}>"));
        Assert.StartsWith("554 5.7.1 ", await client.CommandAsync("RCPT TO:<someone@remote.invalid>"));
    }

    [Fact]
    public async Task Port587InClear_AuthRefused538_MailNeedsAuth530()
    {
        using var client = await RawSmtpClient.ConnectAsync(fixture.SubmissionPort);
        Assert.DoesNotContain("AUTH", await client.CommandAsync("EHLO raw.example"));

        Assert.StartsWith("538 5.7.11 ", await client.CommandAsync("AUTH PLAIN " + AlicePlain));
        Assert.Equal("530 5.7.0 Authentication required", await client.CommandAsync($"MAIL FROM:<{SubmissionFixture.Alice}>"));
    }

    [Fact]
    public async Task Port25UnderStartTls_WrongPassword535_ThenRelayRefused()
    {
        using var client = await RawSmtpClient.ConnectAsync(fixture.Server.SmtpPort);
        await client.CommandAsync("EHLO raw.example");
        Assert.StartsWith("220 ", await client.CommandAsync("STARTTLS"));
        await client.UpgradeToTlsAsync();
        Assert.Contains("AUTH PLAIN LOGIN SCRAM-SHA-256", await client.CommandAsync("EHLO raw.example"));

        var wrong = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{SubmissionFixture.Alice}\0not-the-password"));
        Assert.Equal("535 5.7.8 Authentication credentials invalid", await client.CommandAsync("AUTH PLAIN " + wrong));
        Assert.StartsWith("250 ", await client.CommandAsync($"MAIL FROM:<{SubmissionFixture.Alice}>"));
        Assert.StartsWith("554 5.7.1 ", await client.CommandAsync("RCPT TO:<someone@remote.invalid>"));
    }

    [Fact]
    public async Task Port587UnderStartTls_Authenticated_OwnSenderRelaysOtherSender553()
    {
        using var client = await RawSmtpClient.ConnectAsync(fixture.SubmissionPort);
        await client.CommandAsync("EHLO raw.example");
        Assert.StartsWith("220 ", await client.CommandAsync("STARTTLS"));
        await client.UpgradeToTlsAsync();
        await client.CommandAsync("EHLO raw.example");
        Assert.Equal("235 2.7.0 Authentication successful", await client.CommandAsync("AUTH PLAIN " + AlicePlain));

        Assert.Equal("553 5.7.1 Sender address not owned by the authenticated user", await client.CommandAsync($"MAIL FROM:<{SubmissionFixture.Bob}>"));
        Assert.StartsWith("250 ", await client.CommandAsync($"MAIL FROM:<{SubmissionFixture.Alice.ToUpperInvariant()}>"));
        Assert.StartsWith("250 ", await client.CommandAsync("RCPT TO:<someone@remote.invalid>"));
        Assert.StartsWith("221 ", await client.CommandAsync("QUIT"));
    }
}
