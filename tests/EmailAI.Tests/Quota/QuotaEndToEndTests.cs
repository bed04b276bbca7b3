using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Tests.EndToEnd;
using Microsoft.Data.Sqlite;

namespace EmailAI.Tests.Quota;

/// <summary>
/// Storage quotas, postmaster accounts and the maildrop admin API against the real server: raw SMTP and POP3
/// conversations and the admin API, as a sender and an operator meet them.
/// </summary>
public sealed class QuotaEndToEndTests(QuotaFixture fixture) : IClassFixture<QuotaFixture>
{
    private const string Sender = "bob@remote.test";

    private ServerProcess Server => fixture.Server;

    private HttpClient Admin => fixture.Server.Admin;

    /// <summary>Regression (issue 12): there was no quota, so any sender could fill a mailbox and the disk.</summary>
    [Fact]
    public async Task Rcpt_RecipientAtItsQuota_552ForItWhileTheOtherRecipientGets250AndItsCopy()
    {
        const string full = "full@rcpt.quota.test";
        const string free = "free@rcpt.quota.test";
        await Server.ProvisionAsync(full);
        await Server.ProvisionAsync(free);
        await SmtpConversation.DeliverAsync(Server, Sender, full, "Subject: first\r\n\r\nfills it\r\n.\r\n");
        await PutQuotaAsync(full, await UsedBytesAsync(full));

        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>"));
        var refused = await client.SendCommandAsync($"RCPT TO:<{full}>");
        var accepted = await client.SendCommandAsync($"RCPT TO:<{free}>");
        Assert.StartsWith("354", await client.SendCommandAsync("DATA"));
        await client.SendAsync("Subject: second\r\n\r\nfor both\r\n.\r\n");
        var final = await client.NextReplyAsync();

        Assert.StartsWith("552 5.2.2 Mailbox full", refused);
        Assert.StartsWith("250", accepted);
        Assert.StartsWith("250 2.0.0", final);
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, full));
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, free));
    }

    [Fact]
    public async Task Rcpt_UsageOneUnderQuotaNoSize_Accepted()
    {
        const string almost = "almost@rcpt.quota.test";
        await Server.ProvisionAsync(almost);
        await SmtpConversation.DeliverAsync(Server, Sender, almost, "Subject: first\r\n\r\nnearly full\r\n.\r\n");
        await PutQuotaAsync(almost, await UsedBytesAsync(almost) + 1);

        Assert.StartsWith("250", await RcptAsync(almost, ""));
    }

    [Theory]
    [InlineData(100, "250")]
    [InlineData(101, "552 5.2.2")]
    public async Task Rcpt_DeclaredSize_RefusedOnlyPastTheQuota(int declared, string expected)
    {
        var address = $"size{declared}@rcpt.quota.test";
        await Server.ProvisionAsync(address);
        await SmtpConversation.DeliverAsync(Server, Sender, address, "Subject: first\r\n\r\nsome\r\n.\r\n");
        await PutQuotaAsync(address, await UsedBytesAsync(address) + 100);

        Assert.StartsWith(expected, await RcptAsync(address, $" SIZE={declared}"));
    }

    [Fact]
    public async Task Data_EveryRecipientOverQuota_552AndNothingStored()
    {
        const string tight = "tight@data.quota.test";
        await Server.ProvisionAsync(tight);
        await PutQuotaAsync(tight, 50);

        using var client = await SmtpConversation.ConnectAsync(Server);
        var final = await SmtpConversation.TransactAsync(client, Sender, [tight], Encoding.ASCII.GetBytes($"Subject: too big\r\n\r\n{new string('x', 200)}\r\n.\r\n"));

        Assert.StartsWith("552 5.2.2 Mailbox full", final);
        Assert.Equal((0, 0L), await UsageAsync(tight));
        var maildrops = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/maildrops");
        Assert.DoesNotContain(maildrops.EnumerateArray(), m => m.GetProperty("name").GetString() == tight);
    }

    [Fact]
    public async Task Data_OneRecipientOverQuota_OtherStoredAndTheLocalSenderGetsA522Dsn()
    {
        const string sender = "sender@dsn.quota.test";
        const string tight = "tight@dsn.quota.test";
        const string roomy = "roomy@dsn.quota.test";
        await Server.ProvisionAsync(sender);
        await Server.ProvisionAsync(tight);
        await Server.ProvisionAsync(roomy);
        await PutQuotaAsync(tight, 50);

        using var client = await SmtpConversation.ConnectAsync(Server);
        var final = await SmtpConversation.TransactAsync(client, sender, [tight, roomy], Encoding.ASCII.GetBytes($"Subject: for two\r\n\r\n{new string('y', 200)}\r\n.\r\n"));

        Assert.StartsWith("250 2.0.0", final);
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, roomy));
        Assert.Equal((0, 0L), await UsageAsync(tight));
        var dsn = Encoding.UTF8.GetString(Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, sender)));
        Assert.StartsWith("Return-Path: <>\r\n", dsn, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; " + tight, dsn, StringComparison.Ordinal);
        Assert.Contains("Status: 5.2.2", dsn, StringComparison.Ordinal);
        Assert.Contains("Subject: for two", dsn, StringComparison.Ordinal);
        Assert.DoesNotContain("Final-Recipient: rfc822; " + roomy, dsn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_OneRecipientOverQuotaFromRemoteSender_DeliveredOverQuotaAndNoBackscatter()
    {
        // Black-box finding: a forged remote sender, one roomy and one nearly full recipient, no SIZE: the 5.2.2 DSN went
        // to the "sender" with the attacker's headers. Now the copy is delivered over the quota and nothing goes out.
        const string tight = "tight@remote.quota.test";
        const string roomy = "roomy@remote.quota.test";
        await Server.ProvisionAsync(tight);
        await Server.ProvisionAsync(roomy);
        await PutQuotaAsync(tight, 50);

        using var client = await SmtpConversation.ConnectAsync(Server);
        var final = await SmtpConversation.TransactAsync(client, "victim@forged.example", [tight, roomy], Encoding.ASCII.GetBytes($"Subject: forged\r\n\r\n{new string('v', 200)}\r\n.\r\n"));

        Assert.StartsWith("250 2.0.0", final);
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, roomy));
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, tight));
        var queue = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/queue");
        Assert.DoesNotContain(queue.EnumerateArray(), e => e.GetProperty("recipient").GetString() == "victim@forged.example");

        // Full now: the next RCPT for it is refused at once, with no notice to anyone.
        using var next = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await next.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await next.CommandAsync("MAIL FROM:<victim@forged.example>"));
        Assert.StartsWith("552 5.2.2", await next.CommandAsync($"RCPT TO:<{tight}>"));
    }

    [Fact]
    public async Task Data_OneRecipientOverQuotaFromNullSender_OtherStoredAndNoNotice()
    {
        const string tight = "tight@null.quota.test";
        const string roomy = "roomy@null.quota.test";
        await Server.ProvisionAsync(tight);
        await Server.ProvisionAsync(roomy);
        await PutQuotaAsync(tight, 50);

        using var client = await SmtpConversation.ConnectAsync(Server);
        var final = await SmtpConversation.TransactAsync(client, "", [tight, roomy], Encoding.ASCII.GetBytes($"Subject: a bounce\r\n\r\n{new string('z', 200)}\r\n.\r\n"));

        Assert.StartsWith("250 2.0.0", final);
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, roomy));
        Assert.Equal((0, 0L), await UsageAsync(tight));
        Assert.Contains("no notice to the null sender", await Server.WaitForLogAsync("no notice to the null sender"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pop3Dele_FreesSpace_TheNextMessageIsAccepted()
    {
        const string alice = "alice@dele.quota.test";
        await Server.ProvisionAsync(alice);
        await SmtpConversation.DeliverAsync(Server, Sender, alice, "Subject: old\r\n\r\nto be deleted\r\n.\r\n");
        await PutQuotaAsync(alice, await UsedBytesAsync(alice));
        Assert.StartsWith("552 5.2.2", await RcptAsync(alice, ""));

        using (var pop3 = await Pop3Steps.LoginAsync(Server, alice))
        {
            Assert.StartsWith("+OK", await pop3.CommandAsync("DELE 1"));
            Assert.StartsWith("+OK", await pop3.CommandAsync("QUIT"));
        }

        Assert.Equal((0, 0L), await UsageAsync(alice));
        await SmtpConversation.DeliverAsync(Server, Sender, alice, "Subject: new\r\n\r\nfits again\r\n.\r\n");
        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, alice));
        Assert.Contains("fits again", Encoding.ASCII.GetString(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAccount_ShowsQuotaAsSetEffectiveQuotaAndUsage()
    {
        const string carol = "carol@json.quota.test";
        await PutDomainAsync("json.quota.test", """{"delivery":{"mode":"mailbox"},"quotaBytes":7000}""");
        await PutAccountAsync(carol, """{"password":"password-123","quotaBytes":3000}""");

        var own = await AccountAsync(carol);
        Assert.Equal(3000, own.GetProperty("quotaBytes").GetInt64());
        Assert.Equal(3000, own.GetProperty("effectiveQuotaBytes").GetInt64());
        Assert.Equal(0, own.GetProperty("usedBytes").GetInt64());
        Assert.Equal(0, own.GetProperty("messageCount").GetInt32());

        await SmtpConversation.DeliverAsync(Server, Sender, carol, "Subject: counted\r\n\r\nhello\r\n.\r\n");
        var size = (await Pop3Steps.StoredAsync(Server, carol)).Single().Size;
        var used = await AccountAsync(carol);
        Assert.Equal(size, used.GetProperty("usedBytes").GetInt64());
        Assert.Equal(1, used.GetProperty("messageCount").GetInt32());

        await PutAccountAsync(carol, "{}");
        var inherited = await AccountAsync(carol);
        Assert.Equal(JsonValueKind.Null, inherited.GetProperty("quotaBytes").ValueKind);
        Assert.Equal(7000, inherited.GetProperty("effectiveQuotaBytes").GetInt64());

        await PutDomainAsync("json.quota.test", """{"delivery":{"mode":"mailbox"}}""");
        Assert.Equal(QuotaFixture.NodeDefault, (await AccountAsync(carol)).GetProperty("effectiveQuotaBytes").GetInt64());
        var domain = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/json.quota.test");
        Assert.False(domain.TryGetProperty("quotaBytes", out _));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("\"lots\"")]
    [InlineData("99999999999999999999")]
    public async Task PutQuota_NotANonNegativeInteger_400ProblemAndNothingChanged(string value)
    {
        const string dave = "dave@invalid.quota.test";
        await PutDomainAsync("invalid.quota.test", """{"delivery":{"mode":"mailbox"},"quotaBytes":4000}""");
        await PutAccountAsync(dave, """{"password":"password-123","quotaBytes":2000}""");

        using var account = await Admin.PutAsync($"/api/v1/accounts/{dave}", ServerProcess.Json($$"""{"quotaBytes":{{value}}}"""));
        using var domain = await Admin.PutAsync("/api/v1/domains/invalid.quota.test", ServerProcess.Json($$"""{"delivery":{"mode":"mailbox"},"quotaBytes":{{value}}}"""));

        foreach (var response in new[] { account, domain })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(2000, (await AccountAsync(dave)).GetProperty("quotaBytes").GetInt64());
        Assert.Equal(4000, (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/invalid.quota.test")).GetProperty("quotaBytes").GetInt64());
    }

    [Fact]
    public async Task PutQuota_Zero_Unlimited()
    {
        const string erin = "erin@zero.quota.test";
        await Server.ProvisionAsync(erin);
        await PutQuotaAsync(erin, 0);

        Assert.Equal(0, (await AccountAsync(erin)).GetProperty("effectiveQuotaBytes").GetInt64());
        Assert.StartsWith("250", await RcptAsync(erin, " SIZE=10000000"));
    }

    [Fact]
    public async Task Postmaster_BareAtServerNameAndOfADomainWithoutOne_AllStoredOnceInTheNamedAccount()
    {
        await Server.ProvisionAsync(QuotaFixture.PostmasterAccount);
        await Server.ProvisionAsync("someone@other.pm.quota.test");
        var before = (await SmtpConversation.ReadMaildropAsync(Server, QuotaFixture.PostmasterAccount)).Count;

        using var client = await SmtpConversation.ConnectAsync(Server);
        var final = await SmtpConversation.TransactAsync(
            client,
            Sender,
            ["postmaster", $"postmaster@{QuotaFixture.ServerDomain}", "postmaster@other.pm.quota.test"],
            "Subject: abuse report\r\n\r\nto the postmaster\r\n.\r\n"u8.ToArray());

        Assert.StartsWith("250 2.0.0", final);
        var stored = await SmtpConversation.ReadMaildropAsync(Server, QuotaFixture.PostmasterAccount);
        Assert.Equal(before + 1, stored.Count);
        Assert.EndsWith("to the postmaster\r\n", Encoding.ASCII.GetString(stored[^1]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Maildrops_ListReadAndDelete_404WhenAbsent()
    {
        const string mia = "mia@maildrops.quota.test";
        await Server.ProvisionAsync(mia);
        await SmtpConversation.DeliverAsync(Server, Sender, mia, "Subject: one\r\n\r\nfirst\r\n.\r\n");
        await SmtpConversation.DeliverAsync(Server, Sender, mia, "Subject: two\r\n\r\nsecond\r\n.\r\n");
        var entries = await Pop3Steps.StoredAsync(Server, mia);

        var listed = (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/maildrops")).EnumerateArray().Single(m => m.GetProperty("name").GetString() == mia);
        Assert.Equal(2, listed.GetProperty("messageCount").GetInt32());
        Assert.Equal(entries.Sum(e => e.Size), listed.GetProperty("usedBytes").GetInt64());
        var messages = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/maildrops/{mia}/messages");
        Assert.Equal(entries.Select(e => e.Uid), messages.EnumerateArray().Select(m => m.GetProperty("uid").GetInt64()));
        Assert.Equal(
            await Pop3Steps.StoredMessageAsync(Server, mia, entries[0].Uid),
            await Admin.GetByteArrayAsync($"/api/v1/maildrops/{mia}/messages/{entries[0].Uid}"));

        using (var deleted = await Admin.DeleteAsync($"/api/v1/maildrops/{mia}/messages/{entries[0].Uid}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var again = await Admin.DeleteAsync($"/api/v1/maildrops/{mia}/messages/{entries[0].Uid}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        }

        using (var viaAccount = await Admin.DeleteAsync($"/api/v1/accounts/{mia}/messages/{entries[1].Uid}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, viaAccount.StatusCode);
        }

        Assert.Equal((0, 0L), await UsageAsync(mia));
        using var absent = await Admin.GetAsync("/api/v1/maildrops/nobody@maildrops.quota.test/messages");
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        using var read = await Admin.GetAsync($"/api/v1/maildrops/{mia}/messages/{entries[0].Uid}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        using var bad = await Admin.GetAsync("/api/v1/maildrops/not-an-address/messages");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task DeleteMessage_WhileAPop3SessionHoldsTheLock_409ThenDeletedAfterQuit()
    {
        const string nina = "nina@locked.quota.test";
        await Server.ProvisionAsync(nina);
        await SmtpConversation.DeliverAsync(Server, Sender, nina, "Subject: held\r\n\r\nin a session\r\n.\r\n");
        var uid = (await Pop3Steps.StoredAsync(Server, nina)).Single().Uid;

        using (var pop3 = await Pop3Steps.LoginAsync(Server, nina))
        {
            using var locked = await Admin.DeleteAsync($"/api/v1/maildrops/{nina}/messages/{uid}");
            Assert.Equal(HttpStatusCode.Conflict, locked.StatusCode);
            Assert.Equal("application/problem+json", locked.Content.Headers.ContentType?.MediaType);

            // The session's view is intact: the message is still there to retrieve.
            Assert.StartsWith("+OK", (await pop3.MultiLineCommandAsync("RETR 1")).Status);
            Assert.StartsWith("+OK", await pop3.CommandAsync("QUIT"));
        }

        using var deleted = await Admin.DeleteAsync($"/api/v1/maildrops/{nina}/messages/{uid}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    /// <summary>
    /// Regression (issue 12): postmaster mail used to go, with no postmaster account, to a maildrop no account
    /// owned, which nothing could delete from. Such a left-over maildrop (written here straight into the store, as
    /// an older version left it) is listed, read and emptied through the admin API.
    /// </summary>
    [Fact]
    public async Task Maildrops_LeftOverWithoutAnAccount_ListedReadAndDeleted()
    {
        const string sink = "postmaster@sink.quota.test";
        var uid = InsertLeftOverMessage(sink, "Subject: old sink\r\n\r\nleft over\r\n");

        var listed = (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/maildrops")).EnumerateArray().Single(m => m.GetProperty("name").GetString() == sink);
        Assert.Equal(1, listed.GetProperty("messageCount").GetInt32());
        Assert.Equal("Subject: old sink\r\n\r\nleft over\r\n", Encoding.ASCII.GetString(await Admin.GetByteArrayAsync($"/api/v1/maildrops/{sink}/messages/{uid}")));
        using (var deleted = await Admin.DeleteAsync($"/api/v1/maildrops/{sink}/messages/{uid}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.DoesNotContain((await Admin.GetFromJsonAsync<JsonElement>("/api/v1/maildrops")).EnumerateArray(), m => m.GetProperty("name").GetString() == sink);
    }

    private long InsertLeftOverMessage(string maildrop, string content)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(Server.DataDirectory, "emailai.db"), Pooling = false, DefaultTimeout = 30 };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO message (queue_id, sender, received_at, size, content) VALUES ('OLDSINK', 'bob@remote.test', '2025-01-01T00:00:00.0000000Z', $size, $content);
            INSERT INTO maildrop (mailbox, message_id, size, received_at) VALUES ($mailbox, last_insert_rowid(), $size, '2025-01-01T00:00:00.0000000Z') RETURNING uid;
            """;
        var bytes = Encoding.ASCII.GetBytes(content);
        command.Parameters.AddWithValue("$size", bytes.Length);
        command.Parameters.AddWithValue("$content", bytes);
        command.Parameters.AddWithValue("$mailbox", maildrop);
        return (long)command.ExecuteScalar()!;
    }

    private async Task<string> RcptAsync(string recipient, string mailParameters)
    {
        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync($"MAIL FROM:<{Sender}>{mailParameters}"));
        return await client.SendCommandAsync($"RCPT TO:<{recipient}>");
    }

    private async Task<JsonElement> AccountAsync(string address) => await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{address}");

    private async Task<long> UsedBytesAsync(string address) => (await AccountAsync(address)).GetProperty("usedBytes").GetInt64();

    private async Task<(int Count, long Bytes)> UsageAsync(string address)
    {
        var account = await AccountAsync(address);
        return (account.GetProperty("messageCount").GetInt32(), account.GetProperty("usedBytes").GetInt64());
    }

    private Task PutQuotaAsync(string address, long bytes) => PutAccountAsync(address, $$"""{"quotaBytes":{{bytes}}}""");

    private async Task PutAccountAsync(string address, string json)
    {
        using var response = await Admin.PutAsync($"/api/v1/accounts/{address}", ServerProcess.Json(json));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task PutDomainAsync(string domain, string json)
    {
        using var response = await Admin.PutAsync($"/api/v1/domains/{domain}", ServerProcess.Json(json));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
