using System.Text;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Quota;

/// <summary>
/// The server's postmaster without <c>EmailAI:PostmasterAccount</c>: postmaster@ the alphabetically first local
/// domain (the server's own name is no local domain here), refused with 550 5.1.1 and a text for the admin while
/// that account does not exist. Its own server, because which domain is first depends on every domain it holds.
/// </summary>
public sealed class PostmasterAccountTests
{
    [Fact]
    public async Task BarePostmaster_NoAccountAnywhere_550WithWhatToCreate_ThenStoredOnceCreated()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await server.ProvisionAsync("someone@zulu.pm.test");
        await server.ProvisionAsync("someone@alpha.pm.test");

        using (var client = await SmtpConversation.ConnectAsync(server))
        {
            Assert.StartsWith("250", await client.SendCommandAsync("MAIL FROM:<bob@remote.test>"));
            var bare = await client.SendCommandAsync("RCPT TO:<postmaster>");
            var ofZulu = await client.SendCommandAsync("RCPT TO:<postmaster@zulu.pm.test>");

            const string expected = "550 5.1.1 Postmaster mailbox postmaster@alpha.pm.test does not exist; the administrator must create it or set EmailAI:PostmasterAccount";
            Assert.Equal(expected, bare.TrimEnd());
            Assert.Equal(expected, ofZulu.TrimEnd());
        }

        await server.ProvisionAsync("postmaster@alpha.pm.test");
        using (var client = await SmtpConversation.ConnectAsync(server))
        {
            var final = await SmtpConversation.TransactAsync(
                client, "bob@remote.test", ["postmaster", "postmaster@zulu.pm.test"], "Subject: report\r\n\r\nfor the postmaster\r\n.\r\n"u8.ToArray());
            Assert.StartsWith("250 2.0.0", final);
        }

        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(server, "postmaster@alpha.pm.test"));
        Assert.EndsWith("for the postmaster\r\n", Encoding.ASCII.GetString(stored), StringComparison.Ordinal);
    }
}
