using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// Shared steps of the end-to-end SMTP and admin tests: every wait on the server is bounded (a server that
/// never answers fails the test instead of hanging it), one whole transaction over a raw socket, and
/// reading a maildrop back through the admin API.
/// </summary>
public static class SmtpConversation
{
    /// <summary>Longest wait for any one reply; generous because test classes run in parallel on a small machine.</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Connects, checks the 220 greeting and says EHLO.</summary>
    public static async Task<RawSmtpClient> ConnectAsync(ServerProcess server, string ehlo = "client.e2e.test")
    {
        var client = await RawSmtpClient.ConnectAsync(server.SmtpPort).WaitAsync(ReplyTimeout);
        var reply = await client.SendCommandAsync("EHLO " + ehlo);
        Assert.StartsWith("250", reply);
        return client;
    }

    /// <summary>Sends one command line and returns the whole reply, failing after <see cref="ReplyTimeout"/>.</summary>
    public static Task<string> SendCommandAsync(this RawSmtpClient client, string line) =>
        client.CommandAsync(line).WaitAsync(ReplyTimeout);

    /// <summary>Reads the next whole reply, failing after <see cref="ReplyTimeout"/>.</summary>
    public static Task<string> NextReplyAsync(this RawSmtpClient client) =>
        client.ReadReplyAsync().WaitAsync(ReplyTimeout);

    /// <summary>
    /// MAIL, one RCPT per recipient (each must be accepted), DATA, then <paramref name="wireData"/> exactly as
    /// given (already dot-stuffed, ending with CRLF "." CRLF). Returns the reply to the final dot.
    /// </summary>
    public static async Task<string> TransactAsync(RawSmtpClient client, string sender, IEnumerable<string> recipients, byte[] wireData, string mailParameters = "")
    {
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{sender}>{mailParameters}"));
        foreach (var recipient in recipients)
        {
            Assert.StartsWith("250", await client.SendCommandAsync($"RCPT TO:<{recipient}>"));
        }

        Assert.StartsWith("354", await client.SendCommandAsync("DATA"));
        await client.SendAsync(wireData);
        return await client.NextReplyAsync();
    }

    /// <summary>A complete transaction on a new connection; asserts the message was accepted.</summary>
    public static async Task DeliverAsync(ServerProcess server, string sender, string recipient, string wireData)
    {
        using var client = await ConnectAsync(server);
        var reply = await TransactAsync(client, sender, [recipient], Encoding.UTF8.GetBytes(wireData));
        Assert.StartsWith("250 2.0.0", reply);
    }

    /// <summary>Every message in the maildrop of <paramref name="address"/>, oldest first, as the stored bytes.</summary>
    public static async Task<List<byte[]>> ReadMaildropAsync(ServerProcess server, string address)
    {
        var entries = await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{address}/messages");
        var messages = new List<byte[]>();
        foreach (var entry in entries.EnumerateArray())
        {
            var uid = entry.GetProperty("uid").GetInt64();
            messages.Add(await server.Admin.GetByteArrayAsync($"/api/v1/accounts/{address}/messages/{uid}"));
        }

        return messages;
    }

    /// <summary>The server writes its log asynchronously: waits (at most <see cref="ReplyTimeout"/>) for a line containing <paramref name="text"/>, then returns the log.</summary>
    public static async Task<string> WaitForLogAsync(this ServerProcess server, string text)
    {
        var deadline = DateTime.UtcNow + ReplyTimeout;
        while (true)
        {
            var log = server.Log;
            if (log.Contains(text, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return log;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Asserts that the log comes to contain <paramref name="text"/> (waiting as <see cref="WaitForLogAsync"/> does).</summary>
    public static async Task AssertLogSaysAsync(this ServerProcess server, string text) =>
        Assert.Contains(text, await server.WaitForLogAsync(text), StringComparison.Ordinal);

    /// <summary>
    /// The message as the client sent it (after dot-unstuffing): the stored bytes minus the trace fields the
    /// server prepends, which must be exactly one Return-Path line, then our X-EmailAI-WhiteList and
    /// Authentication-Results fields when present (sender authentication), then one Received field (RFC 5321 §4.4).
    /// Fails if the stored message does not start that way.
    /// </summary>
    public static byte[] WithoutTrace(byte[] stored)
    {
        var position = SkipLine(stored, 0, "Return-Path: ");
        foreach (var optional in new[] { "X-EmailAI-WhiteList: ", "Authentication-Results: " })
        {
            if (stored.AsSpan(position).StartsWith(Encoding.ASCII.GetBytes(optional)))
            {
                position = SkipField(stored, position, optional);
            }
        }

        return stored[SkipField(stored, position, "Received: ")..];
    }

    private static int SkipField(byte[] stored, int start, string expectedPrefix)
    {
        var position = SkipLine(stored, start, expectedPrefix);
        while (position < stored.Length && stored[position] is (byte)' ' or (byte)'\t')
        {
            position = SkipLine(stored, position, "");
        }

        return position;
    }

    /// <summary>The header block of a stored message as text (for assertions on trace fields).</summary>
    public static string Headers(byte[] stored)
    {
        var text = Encoding.UTF8.GetString(stored);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..(end + 2)];
    }

    private static int SkipLine(byte[] stored, int start, string expectedPrefix)
    {
        var prefix = Encoding.ASCII.GetBytes(expectedPrefix);
        Assert.True(
            stored.AsSpan(start).StartsWith(prefix),
            $"expected a line starting '{expectedPrefix}' at offset {start} of the stored message:\n{Encoding.UTF8.GetString(stored)}");
        var lf = Array.IndexOf(stored, (byte)'\n', start);
        Assert.True(lf > start && stored[lf - 1] == (byte)'\r', "trace line does not end in CRLF");
        return lf + 1;
    }
}
