using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// Shared steps of the end-to-end POP3 tests: mail goes in over SMTP exactly as given, the maildrop is read
/// back through the admin API (the reference for sizes, uids and stored bytes), and POP3 logins are made
/// over <see cref="Pop3RawClient"/>. Every wait is bounded.
/// </summary>
public static class Pop3Steps
{
    public const string Sender = "bob@remote.test";

    /// <summary>The password <see cref="ServerProcess.ProvisionAsync"/> sets by default.</summary>
    public const string Password = "password-123";

    /// <summary>127.0.0.<paramref name="last"/>: a loopback source address, so tests can be told apart by client IP.</summary>
    public static IPAddress Loopback(int last) => new([127, 0, 0, (byte)last]);

    /// <summary>A small message: Message-ID and Subject headers, a blank line, then the body lines, all CRLF-terminated.</summary>
    public static byte[] Message(string messageId, string subject, params string[] bodyLines)
    {
        var text = new StringBuilder();
        text.Append("From: <").Append(Sender).Append(">\r\n");
        text.Append("Message-ID: <").Append(messageId).Append(">\r\n");
        text.Append("Subject: ").Append(subject).Append("\r\n\r\n");
        foreach (var line in bodyLines)
        {
            text.Append(line).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The SMTP DATA octets for <paramref name="message"/> (which ends in CRLF): dot-stuffed (RFC 5321 §4.5.2) and terminated.</summary>
    public static byte[] SmtpWire(byte[] message)
    {
        Assert.True(message.AsSpan().EndsWith("\r\n"u8), "a test message must end in CRLF");
        using var wire = new MemoryStream();
        var atLineStart = true;
        foreach (var b in message)
        {
            if (atLineStart && b == (byte)'.')
            {
                wire.WriteByte((byte)'.');
            }

            wire.WriteByte(b);
            atLineStart = b == (byte)'\n';
        }

        wire.Write(".\r\n"u8);
        return wire.ToArray();
    }

    /// <summary>One SMTP transaction (BODY=8BITMIME) delivering <paramref name="message"/> to every recipient; asserts 250.</summary>
    public static async Task DeliverAsync(ServerProcess server, byte[] message, params string[] recipients)
    {
        using var client = await SmtpConversation.ConnectAsync(server);
        var reply = await SmtpConversation.TransactAsync(client, Sender, recipients, SmtpWire(message), " BODY=8BITMIME");
        Assert.StartsWith("250 2.0.0", reply);
        await client.SendCommandAsync("QUIT");
    }

    /// <summary>The maildrop as the admin API lists it: (uid, size in octets), oldest first.</summary>
    public static async Task<List<(long Uid, long Size)>> StoredAsync(ServerProcess server, string address)
    {
        var entries = await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{address}/messages");
        return [.. entries.EnumerateArray().Select(e => (e.GetProperty("uid").GetInt64(), e.GetProperty("size").GetInt64()))];
    }

    /// <summary>The stored octets of one message, through the admin API.</summary>
    public static Task<byte[]> StoredMessageAsync(ServerProcess server, string address, long uid) =>
        server.Admin.GetByteArrayAsync($"/api/v1/accounts/{address}/messages/{uid}");

    /// <summary>A new connection from <paramref name="from"/> (127.0.0.1 by default) logged in with USER/PASS.</summary>
    public static async Task<Pop3RawClient> LoginAsync(ServerProcess server, string user, string password = Password, IPAddress? from = null)
    {
        var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, from);
        try
        {
            await client.LoginAsync(user, password);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Logs in on new connections until the maildrop is not locked any more (-ERR [IN-USE]); fails if it is
    /// still locked after <paramref name="within"/> or if the login fails any other way.
    /// </summary>
    public static async Task<Pop3RawClient> LoginWhenFreeAsync(ServerProcess server, string user, TimeSpan within, string password = Password)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var client = await Pop3RawClient.ConnectAsync(server.Pop3Port);
            var reply = await client.TryLoginAsync(user, password);
            if (reply.StartsWith("+OK", StringComparison.Ordinal))
            {
                return client;
            }

            client.Dispose();
            Assert.StartsWith("-ERR [IN-USE]", reply);
            Assert.True(clock.Elapsed < within, $"the maildrop of {user} was still locked after {clock.Elapsed}");
            await Task.Delay(50);
        }
    }

    /// <summary>STAT's message count and octets.</summary>
    public static async Task<(int Count, long Octets)> StatAsync(this Pop3RawClient client)
    {
        var reply = await client.CommandAsync("STAT");
        var parts = reply.Split(' ');
        Assert.True(parts.Length == 3 && parts[0] == "+OK", $"STAT: {reply}");
        return (int.Parse(parts[1]), long.Parse(parts[2]));
    }

    /// <summary>QUIT; asserts the UPDATE state committed and says how many messages it deleted.</summary>
    public static async Task QuitAsync(this Pop3RawClient client, int expectedDeleted)
    {
        var reply = await client.CommandAsync("QUIT");
        Assert.StartsWith("+OK", reply);
        Assert.EndsWith($"({expectedDeleted} messages deleted)", reply);
    }
}
