using System.Text;
using MailKit;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// POP3 pickup with MailKit's <see cref="Pop3Client"/> against the real server, as a mail client would do
/// it: mail goes in with MailKit's SMTP client and comes out over POP3 unchanged.
/// </summary>
public sealed class Pop3MailKitTests(Pop3Fixture fixture) : IClassFixture<Pop3Fixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Capabilities_MailKitOnLoopback_TopUidlUserPipeliningRespCodesSaslPlain()
    {
        using var client = new Pop3Client();
        await client.ConnectAsync("127.0.0.1", Server.Pop3Port, SecureSocketOptions.None).WaitAsync(Pop3RawClient.ReplyTimeout);

        var capabilities = client.Capabilities;
        foreach (var expected in new[]
                 {
                     Pop3Capabilities.Top, Pop3Capabilities.UIDL, Pop3Capabilities.User, Pop3Capabilities.Pipelining,
                     Pop3Capabilities.ResponseCodes, Pop3Capabilities.Sasl,
                 })
        {
            Assert.True(capabilities.HasFlag(expected), $"{expected} missing from {capabilities}");
        }

        // APOP is off by default: the greeting has no timestamp, so MailKit must not think it is offered.
        Assert.False(capabilities.HasFlag(Pop3Capabilities.Apop), capabilities.ToString());
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Session_MailKitRetrieveDeleteReconnect_ContentAsDeliveredDeletedGoneOthersKeepUids()
    {
        const string alice = "alice@mailkit.pop3.test";
        await Server.ProvisionAsync(alice);
        var sent = new[]
        {
            NewMessage(alice, "first@mailkit.pop3.test", "First", "Hello Alice,\n.a line that starts with a dot\n.\nthe line above is a lone dot\n", ContentEncoding.SevenBit),
            NewMessage(alice, "second@mailkit.pop3.test", "Gr\u00fc\u00dfe, second", "Zweite Nachricht: \u00e4\u00f6\u00fc\n", ContentEncoding.EightBit),
            NewMessage(alice, "third@mailkit.pop3.test", "Third", string.Concat(Enumerable.Repeat("third body line\n", 50)), ContentEncoding.SevenBit),
        };
        using (var smtp = new MailKit.Net.Smtp.SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", Server.SmtpPort, SecureSocketOptions.None);
            foreach (var message in sent)
            {
                await smtp.SendAsync(message);
            }

            await smtp.DisconnectAsync(quit: true);
        }

        var stored = await Pop3Steps.StoredAsync(Server, alice);
        Assert.Equal(3, stored.Count);

        // The dot lines really are stored as such, so RETR has to byte-stuff them (a lone "." unstuffed would end the response early).
        Assert.Contains("\r\n.a line that starts with a dot\r\n.\r\nthe line above", Encoding.UTF8.GetString(await Pop3Steps.StoredMessageAsync(Server, alice, stored[0].Uid)));
        string[] uids;
        using (var log = new MemoryStream())
        using (var client = new Pop3Client(new ProtocolLogger(log, leaveOpen: true)))
        {
            await client.ConnectAsync("127.0.0.1", Server.Pop3Port, SecureSocketOptions.None).WaitAsync(Pop3RawClient.ReplyTimeout);
            await client.AuthenticateAsync(alice, Pop3Steps.Password).WaitAsync(Pop3RawClient.ReplyTimeout);
            Assert.True(client.IsAuthenticated);
            var transcript = Encoding.UTF8.GetString(log.ToArray());
            Assert.Contains("C: AUTH PLAIN\r\n", transcript);
            Assert.Contains("S: + \r\n", transcript);

            Assert.Equal(3, client.Count);
            Assert.Equal(stored.Select(s => (int)s.Size), await client.GetMessageSizesAsync());
            uids = [.. await client.GetMessageUidsAsync()];
            Assert.Equal(stored.Select(s => s.Uid.ToString()), uids);

            for (var i = 0; i < sent.Length; i++)
            {
                // The raw octets MailKit un-stuffed from RETR are exactly the stored message.
                using var raw = await client.GetStreamAsync(i);
                using var copy = new MemoryStream();
                await raw.CopyToAsync(copy);
                Assert.Equal(await Pop3Steps.StoredMessageAsync(Server, alice, stored[i].Uid), copy.ToArray());

                var received = await client.GetMessageAsync(i);
                Assert.Equal(sent[i].MessageId, received.MessageId);
                Assert.Equal(sent[i].Subject, received.Subject);
                Assert.Equal(sent[i].TextBody!.ReplaceLineEndings("\n"), received.TextBody?.ReplaceLineEndings("\n"));
            }

            // GetMessageHeaders is TOP n 0.
            var headers = await client.GetMessageHeadersAsync(1);
            Assert.Equal("Gr\u00fc\u00dfe, second", headers[HeaderId.Subject]);
            Assert.Equal("<second@mailkit.pop3.test>", headers[HeaderId.MessageId]);
            Assert.Equal("<bob@remote.test>", headers[HeaderId.ReturnPath]);

            await client.DeleteMessageAsync(1);
            await client.DisconnectAsync(quit: true);
        }

        Assert.Equal([stored[0].Uid, stored[2].Uid], (await Pop3Steps.StoredAsync(Server, alice)).Select(s => s.Uid));
        using (var client = new Pop3Client())
        {
            await client.ConnectAsync("127.0.0.1", Server.Pop3Port, SecureSocketOptions.None).WaitAsync(Pop3RawClient.ReplyTimeout);
            await client.AuthenticateAsync(alice, Pop3Steps.Password).WaitAsync(Pop3RawClient.ReplyTimeout);
            Assert.Equal(2, client.Count);
            Assert.Equal([uids[0], uids[2]], await client.GetMessageUidsAsync());
            Assert.Equal("third@mailkit.pop3.test", (await client.GetMessageAsync(1)).MessageId);
            await client.DisconnectAsync(quit: true);
        }
    }

    [Fact]
    public async Task Authenticate_MailKitWrongPassword_AuthenticationExceptionAndMaildropUntouched()
    {
        const string carol = "carol@mailkit.pop3.test";
        await Server.ProvisionAsync(carol);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("wrong-pw@mailkit.pop3.test", "kept"), carol);

        using var client = new Pop3Client();
        await client.ConnectAsync("127.0.0.1", Server.Pop3Port, SecureSocketOptions.None).WaitAsync(Pop3RawClient.ReplyTimeout);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(carol, "not-the-password"));
        Assert.False(client.IsAuthenticated);

        // The failed attempt did not lock the maildrop: the right password works at once.
        await client.AuthenticateAsync(carol, Pop3Steps.Password).WaitAsync(Pop3RawClient.ReplyTimeout);
        Assert.Equal(1, client.Count);
        await client.DisconnectAsync(quit: true);
    }

    private static MimeMessage NewMessage(string to, string messageId, string subject, string text, ContentEncoding encoding)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Bob Remote", Pop3Steps.Sender));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = messageId;
        message.Body = new TextPart("plain") { Text = text, ContentTransferEncoding = encoding };
        return message;
    }
}
