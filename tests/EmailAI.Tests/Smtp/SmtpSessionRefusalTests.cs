using System.Text;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Auth;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// A refusal of the whole session (IP location blocking: <see cref="RecipientVerdict.RefusesSession"/>): the first
/// RCPT gets it from the policy, every later MAIL and RCPT gets the same line without asking again, and the client's
/// country shows in the Received field of the mail of sessions that are not refused.
/// </summary>
public sealed class SmtpSessionRefusalTests
{
    private const string Blocked = "550 5.7.1 We do not accept mail from your network. Contact us at https://example.com/contact";

    private static readonly SmtpReply Refusal = new(550, "5.7.1", "We do not accept mail from your network. Contact us at https://example.com/contact");

    [Theory, ChunkSizes]
    public async Task SessionRefused_AtFirstRcpt_EveryLaterMailAndRcptGetsTheSameLine(int chunkSize)
    {
        var harness = new SmtpTestHarness();
        harness.Policy.RefuseSessionWith = Refusal;
        await harness.RunAsync(Transcript.Parse(SmtpOpenings.EhloMail + $"""

            C: RCPT TO:<alice@example.com>
            S: {Blocked}
            C: RCPT TO:<postmaster>
            S: {Blocked}
            C: DATA
            S: 554 5.5.1 No valid recipients
            C: RSET
            S: 250 2.0.0 Reset OK
            C: MAIL FROM:<other@remote.example>
            S: {Blocked}
            C: RCPT TO:<bob@example.com>
            S: {Blocked}
            C: NOOP
            S: 250 2.0.0 OK
            C: QUIT
            S: 221 2.0.0 mx.example.com closing connection
            """), chunkSize);

        // Decided once, by the policy; the repeats are the session's own.
        Assert.Single(harness.Policy.Calls);
        Assert.Empty(harness.Sink.Deliveries);
    }

    [Theory, ChunkSizes]
    public async Task SessionRefused_ThenAuthenticated_RefusalLifted(int chunkSize)
    {
        var harness = SmtpAuthHarness.Create();
        harness.Policy.RefuseSessionWith = Refusal;
        await harness.RunAsync(Transcript.Parse(SmtpAuthHarness.EhloWithAuth + $"""

            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: {Blocked}
            C: RSET
            S: 250 2.0.0 Reset OK
            C: MAIL FROM:<sender@remote.example>
            S: {Blocked}
            C: AUTH PLAIN {SmtpAuthHarness.AlicePlain}
            S: 235 2.7.0 Authentication successful
            C: MAIL FROM:<alice@example.com>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<bob@example.com>
            S: 250 2.1.5 Recipient OK
            """), chunkSize);

        Assert.Equal(2, harness.Policy.Calls.Count);
        Assert.Equal("alice@example.com", harness.Policy.Calls[1].Session.AuthenticatedIdentity);
    }

    [Fact]
    public async Task RecipientRefusedOnItsOwn_LaterRecipientsStillAsked()
    {
        // A refusal that is not of the session (an unknown user) must not stick.
        var harness = new SmtpTestHarness();
        harness.Start();
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<s@remote.example>\r\n");
        Assert.StartsWith("550 5.1.1", (await harness.SendLineAsync("RCPT TO:<nobody@example.com>"))[0].ToString());
        Assert.StartsWith("250", (await harness.SendLineAsync("RCPT TO:<alice@example.com>"))[0].ToString());
        Assert.Equal(2, harness.Policy.Calls.Count);
    }

    [Theory]
    [InlineData("DE", "\t(country DE)\r\n")]
    [InlineData(null, null)]
    public async Task Received_ClientCountryKnown_NamedInAComment(string? country, string? expected)
    {
        var context = SmtpSessionContext.Plain with { Location = new ClientLocation(country) };
        var harness = new SmtpTestHarness(context: context);
        harness.Start();
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");

        var (_, content) = Assert.Single(harness.Sink.Deliveries);
        var (trace, _) = SmtpTestHarness.SplitTrace(content);
        if (expected is null)
        {
            Assert.DoesNotContain("country", trace, StringComparison.Ordinal);
        }
        else
        {
            // Right after "from … ([address])", before "by": a comment where RFC 5321 §4.4's Stamp allows CFWS.
            Assert.StartsWith("Received: from client.example.net ([192.0.2.10])\r\n" + expected + "\tby mx.example.com", trace, StringComparison.Ordinal);
        }

        // The policy is told the country the session was set up with.
        Assert.Equal(country, Assert.Single(harness.Policy.Calls).Session.Location?.Country);
    }

    [Fact]
    public async Task Received_NoLocationDatabase_NoCommentAndPolicyToldNoLocation()
    {
        var harness = new SmtpTestHarness();
        harness.Start();
        await harness.SendAsync("EHLO client.example.net\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");

        var (_, content) = Assert.Single(harness.Sink.Deliveries);
        Assert.DoesNotContain("(country", Encoding.ASCII.GetString(content), StringComparison.Ordinal);
        Assert.Null(Assert.Single(harness.Policy.Calls).Session.Location);
    }
}
