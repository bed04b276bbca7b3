using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EmailAI.Tests.EndToEnd;
using Microsoft.Data.Sqlite;

namespace EmailAI.Tests.Quarantine;

/// <summary>
/// <c>"unlistedSenders"</c> and the quarantine against the real server, as an operator and a mail user meet them: the
/// setting through the admin API, mail through raw SMTP, the maildrop through POP3, the quarantine through its API.
/// </summary>
public sealed class QuarantineEndToEndTests(QuarantineFixture fixture) : IClassFixture<QuarantineFixture>
{
    private const string Stranger = "stranger@remote.test";

    private ServerProcess Server => fixture.Server;

    private HttpClient Admin => fixture.Server.Admin;

    private static string Letter(string subject, string from = Stranger) =>
        $"From: Stranger <{from}>\r\nSubject: {subject}\r\nDate: Fri, 1 Mar 2030 10:29:00 +0100\r\nMessage-ID: <{Guid.NewGuid():N}@remote.test>\r\n\r\nhello\r\n.\r\n";

    /// <summary>A domain and an account, the account's own <c>"unlistedSenders"</c> set (or absent, inheriting the domain's).</summary>
    private async Task ProvisionAsync(string address, string? own = "quarantine", string? domainDefault = null)
    {
        var domain = address[(address.IndexOf('@') + 1)..];
        var domainField = domainDefault is null ? "" : $",\"unlistedSenders\":\"{domainDefault}\"";
        using (var response = await Admin.PutAsync($"/api/v1/domains/{domain}", ServerProcess.Json($"{{\"delivery\":{{\"mode\":\"mailbox\"}}{domainField}}}")))
        {
            response.EnsureSuccessStatusCode();
        }

        var ownField = own is null ? "" : $",\"unlistedSenders\":\"{own}\"";
        using (var response = await Admin.PutAsync($"/api/v1/accounts/{address}", ServerProcess.Json($"{{\"password\":\"{Pop3Steps.Password}\"{ownField}}}")))
        {
            response.EnsureSuccessStatusCode();
        }
    }

    private async Task<JsonElement[]> HeldAsync(string address) =>
        [.. (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{address}/quarantine")).EnumerateArray()];

    private async Task<int> Pop3CountAsync(string address)
    {
        using var pop3 = await Pop3Steps.LoginWhenFreeAsync(Server, address, TimeSpan.FromSeconds(30));
        var (count, _) = await pop3.StatAsync();
        await pop3.QuitAsync(0);
        return count;
    }

    private async Task<JsonElement> PostReleaseAsync(string address, long id)
    {
        using var response = await Admin.PostAsync($"/api/v1/accounts/{address}/quarantine/{id}/release", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Settings_AccountWithoutItsOwn_InheritsTheDomainsAndOwnValueOverrides()
    {
        await ProvisionAsync("inherits@settings.quarantine.test", own: null, domainDefault: "quarantine");

        var domain = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/settings.quarantine.test");
        var account = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/accounts/inherits@settings.quarantine.test");
        Assert.Equal("quarantine", domain.GetProperty("unlistedSenders").GetString());
        Assert.Equal(JsonValueKind.Null, account.GetProperty("unlistedSenders").ValueKind);
        Assert.Equal("quarantine", account.GetProperty("effectiveUnlistedSenders").GetString());

        using (var response = await Admin.PutAsync("/api/v1/accounts/inherits@settings.quarantine.test", ServerProcess.Json("""{"unlistedSenders":"Deliver"}""")))
        {
            var own = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("deliver", own.GetProperty("unlistedSenders").GetString());
            Assert.Equal("deliver", own.GetProperty("effectiveUnlistedSenders").GetString());
        }

        // Mail follows the account's own mode, not the domain's.
        await SmtpConversation.DeliverAsync(Server, Stranger, "inherits@settings.quarantine.test", Letter("own mode"));
        Assert.Equal(1, await Pop3CountAsync("inherits@settings.quarantine.test"));
        Assert.Empty(await HeldAsync("inherits@settings.quarantine.test"));
    }

    [Fact]
    public async Task Settings_NeverSet_DeliverAndMailDelivered()
    {
        await ProvisionAsync("plain@default.quarantine.test", own: null);

        Assert.Equal("deliver", (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/default.quarantine.test")).GetProperty("unlistedSenders").GetString());
        Assert.Equal("deliver", (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/accounts/plain@default.quarantine.test")).GetProperty("effectiveUnlistedSenders").GetString());
        await SmtpConversation.DeliverAsync(Server, Stranger, "plain@default.quarantine.test", Letter("today's behaviour"));
        Assert.Equal(1, await Pop3CountAsync("plain@default.quarantine.test"));
    }

    [Fact]
    public async Task Settings_DomainDefaultChanged_ExistingAccountsFollowAtTheNextRcpt()
    {
        await ProvisionAsync("follows@change.quarantine.test", own: null);
        using (var response = await Admin.PutAsync("/api/v1/domains/change.quarantine.test", ServerProcess.Json("""{"delivery":{"mode":"mailbox"},"unlistedSenders":"quarantine"}""")))
        {
            response.EnsureSuccessStatusCode();
        }

        await SmtpConversation.DeliverAsync(Server, Stranger, "follows@change.quarantine.test", Letter("after the change"));

        Assert.Single(await HeldAsync("follows@change.quarantine.test"));
    }

    [Theory]
    [InlineData("/api/v1/accounts/bad@invalid.quarantine.test", """{"password":"password-123","unlistedSenders":"hold"}""")]
    [InlineData("/api/v1/domains/invalid.quarantine.test", """{"delivery":{"mode":"mailbox"},"unlistedSenders":"reject"}""")]
    [InlineData("/api/v1/domains/invalid.quarantine.test", """{"delivery":{"mode":"mailbox"},"unlistedSenders":1}""")]
    public async Task Put_UnknownUnlistedSenders_400ProblemAndNothingChanged(string path, string body)
    {
        await ProvisionAsync("bad@invalid.quarantine.test", own: null);

        using var response = await Admin.PutAsync(path, ServerProcess.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("deliver", (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/accounts/bad@invalid.quarantine.test")).GetProperty("effectiveUnlistedSenders").GetString());
    }

    [Fact]
    public async Task Hold_UnlistedSender_250ButPop3SeesNothingAndTheQuarantineListsIt()
    {
        const string alice = "alice@hold.quarantine.test";
        await ProvisionAsync(alice);
        using var client = await SmtpConversation.ConnectAsync(Server);
        var wire = Letter("Are you there?");

        var reply = await SmtpConversation.TransactAsync(client, Stranger, [alice], Encoding.ASCII.GetBytes(wire));

        Assert.StartsWith("250 2.0.0", reply);
        Assert.Equal(0, await Pop3CountAsync(alice));
        Assert.Empty(await SmtpConversation.ReadMaildropAsync(Server, alice));
        var held = Assert.Single(await HeldAsync(alice));
        Assert.Equal(Stranger, held.GetProperty("sender").GetString());
        Assert.Equal($"Stranger <{Stranger}>", held.GetProperty("from").GetString());
        Assert.Equal("Are you there?", held.GetProperty("subject").GetString());
        Assert.Equal(new DateTimeOffset(2030, 3, 1, 10, 29, 0, TimeSpan.FromHours(1)), held.GetProperty("date").GetDateTimeOffset());
        Assert.StartsWith("Authentication-Results: mx.quarantine.test;", held.GetProperty("authenticationResults").GetString(), StringComparison.Ordinal);
        var heldAt = held.GetProperty("heldAt").GetDateTimeOffset();
        Assert.InRange(heldAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(heldAt.AddDays(30), held.GetProperty("expiresAt").GetDateTimeOffset());

        using var raw = await Admin.GetAsync($"/api/v1/accounts/{alice}/quarantine/{held.GetProperty("id").GetInt64()}");
        var bytes = await raw.Content.ReadAsByteArrayAsync();
        Assert.Equal("message/rfc822", raw.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes.Length, held.GetProperty("size").GetInt64());
        Assert.StartsWith($"Return-Path: <{Stranger}>\r\nAuthentication-Results: mx.quarantine.test;", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(wire[..^3], Encoding.UTF8.GetString(SmtpConversation.WithoutTrace(bytes)));
    }

    [Fact]
    public async Task Hold_NullSender_Held()
    {
        const string bounced = "bounced@null.quarantine.test";
        await ProvisionAsync(bounced);

        await SmtpConversation.DeliverAsync(Server, "", bounced, "From: MAILER-DAEMON@remote.test\r\nSubject: Undelivered Mail\r\n\r\nbounce\r\n.\r\n");

        var held = Assert.Single(await HeldAsync(bounced));
        Assert.Equal("", held.GetProperty("sender").GetString());
        Assert.Equal(0, await Pop3CountAsync(bounced));
    }

    [Fact]
    public async Task Hold_WhiteListedSender_DeliveredAndMarked()
    {
        const string owner = "owner@trusted.quarantine.test";
        await ProvisionAsync(owner);
        using (var response = await Admin.PutAsync($"/api/v1/whitelist/{owner}/{Stranger}", null))
        {
            response.EnsureSuccessStatusCode();
        }

        await SmtpConversation.DeliverAsync(Server, Stranger, owner, Letter("trusted"));

        Assert.Empty(await HeldAsync(owner));
        var stored = Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, owner));
        Assert.Contains("X-EmailAI-WhiteList: pass", SmtpConversation.Headers(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hold_ListedSenderNotAuthenticated_HeldAsAForgerLooks_AndReleaseDoesNotTeach()
    {
        const string owner = "owner@forged.quarantine.test";
        const string listed = "partner@spoofed.test";
        await ProvisionAsync(owner);
        using (var response = await Admin.PutAsync($"/api/v1/whitelist/{owner}/{listed}", null))
        {
            response.EnsureSuccessStatusCode();
        }

        // spoofed.test's SPF fails this client and nothing else authenticates the From: domain.
        await SmtpConversation.DeliverAsync(Server, listed, owner, Letter("looks trusted", from: listed));

        var held = Assert.Single(await HeldAsync(owner));
        Assert.False(held.GetProperty("fromAuthenticated").GetBoolean());
        Assert.Contains("spf=fail", held.GetProperty("authenticationResults").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await Pop3CountAsync(owner));
        Assert.Equal(JsonValueKind.Null, (await PostReleaseAsync(owner, held.GetProperty("id").GetInt64())).GetProperty("whiteListed").ValueKind);
    }

    [Fact]
    public async Task Hold_UnlistedButAuthenticatedSender_HeldWithResults_ReleaseTeachesTheWhiteList()
    {
        const string owner = "owner@learns.quarantine.test";
        const string sender = "newcontact@remote.test";
        await ProvisionAsync(owner);

        await SmtpConversation.DeliverAsync(Server, sender, owner, Letter("first contact", from: sender));
        var held = Assert.Single(await HeldAsync(owner));
        Assert.True(held.GetProperty("fromAuthenticated").GetBoolean());
        Assert.StartsWith("Authentication-Results: mx.quarantine.test;", held.GetProperty("authenticationResults").GetString(), StringComparison.Ordinal);

        Assert.Equal(sender, (await PostReleaseAsync(owner, held.GetProperty("id").GetInt64())).GetProperty("whiteListed").GetString());
        var list = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/whitelist/{owner}");
        Assert.Contains(list.EnumerateArray(), e => e.GetProperty("address").GetString() == sender);

        // Listed and authenticated now: the next message is delivered, marked.
        await SmtpConversation.DeliverAsync(Server, sender, owner, Letter("second", from: sender));
        Assert.Empty(await HeldAsync(owner));
        Assert.Equal(2, await Pop3CountAsync(owner));
    }

    [Fact]
    public async Task Hold_TwoRecipientsDifferentModes_EachWhereItsModeSays()
    {
        const string careful = "careful@mixed.quarantine.test";
        const string open = "open@mixed.quarantine.test";
        await ProvisionAsync(careful);
        await ProvisionAsync(open, own: "deliver");
        using var client = await SmtpConversation.ConnectAsync(Server);

        Assert.StartsWith("250 2.0.0", await SmtpConversation.TransactAsync(client, Stranger, [careful, open], Encoding.ASCII.GetBytes(Letter("to both"))));

        Assert.Single(await HeldAsync(careful));
        Assert.Empty(await SmtpConversation.ReadMaildropAsync(Server, careful));
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, open));
        Assert.Empty(await HeldAsync(open));
    }

    [Fact]
    public async Task Hold_AccountAtItsQuota_HeldCopyNotRefusedNorCounted()
    {
        const string tight = "tight@quota.quarantine.test";
        await ProvisionAsync(tight);
        using (var response = await Admin.PutAsync($"/api/v1/accounts/{tight}", ServerProcess.Json("""{"quotaBytes":100,"unlistedSenders":"quarantine"}""")))
        {
            response.EnsureSuccessStatusCode();
        }

        using var client = await SmtpConversation.ConnectAsync(Server);
        var reply = await SmtpConversation.TransactAsync(client, Stranger, [tight], Encoding.ASCII.GetBytes(Letter(new string('q', 300))));

        Assert.StartsWith("250 2.0.0", reply);
        Assert.Single(await HeldAsync(tight));
        Assert.Equal(0, (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{tight}")).GetProperty("usedBytes").GetInt64());
    }

    [Fact]
    public async Task Release_HeldMessage_InTheMaildropOverPop3AndASecondRelease404()
    {
        const string carol = "carol@release.quarantine.test";
        await ProvisionAsync(carol);
        await SmtpConversation.DeliverAsync(Server, "stranger@spoofed.test", carol, Letter("let me in", from: "stranger@spoofed.test"));
        var id = Assert.Single(await HeldAsync(carol)).GetProperty("id").GetInt64();
        var heldBytes = await Admin.GetByteArrayAsync($"/api/v1/accounts/{carol}/quarantine/{id}");

        var released = await PostReleaseAsync(carol, id);

        Assert.Equal("released", released.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, released.GetProperty("whiteListed").ValueKind);
        var uid = released.GetProperty("uid").GetInt64();
        Assert.Equal(heldBytes, await Pop3Steps.StoredMessageAsync(Server, carol, uid));
        using (var pop3 = await Pop3Steps.LoginWhenFreeAsync(Server, carol, TimeSpan.FromSeconds(30)))
        {
            var (status, wire) = await pop3.MultiLineCommandAsync("RETR 1");
            Assert.StartsWith("+OK", status);
            Assert.Contains("Subject: let me in", Encoding.UTF8.GetString(wire), StringComparison.Ordinal);
            await pop3.QuitAsync(0);
        }

        Assert.Empty(await HeldAsync(carol));
        using var again = await Admin.PostAsync($"/api/v1/accounts/{carol}/quarantine/{id}/release", null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Single(await SmtpConversation.ReadMaildropAsync(Server, carol));

        // Not authenticated: the release does not vouch for the From address.
        Assert.Empty((await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/whitelist/{carol}")).EnumerateArray());
    }

    [Fact]
    public async Task Release_FromDomainAuthenticated_WhiteListLearnsTheFromAddressAndItsNextMailIsDelivered()
    {
        const string dave = "dave@learn.quarantine.test";
        await ProvisionAsync(dave);
        await SmtpConversation.DeliverAsync(Server, "bounces@remote.test", dave, Letter("authenticated", from: "Writer@Remote.Test"));
        // SPF passes remote.test for this client and aligns with the From domain: the checks authenticated the From
        // address, which the held copy records in normal form.
        var held = Assert.Single(await HeldAsync(dave));
        Assert.True(held.GetProperty("fromAuthenticated").GetBoolean());
        var id = held.GetProperty("id").GetInt64();

        var released = await PostReleaseAsync(dave, id);

        Assert.Equal("writer@remote.test", released.GetProperty("whiteListed").GetString());
        var list = (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/whitelist/{dave}")).EnumerateArray().ToArray();
        Assert.Contains(list, e => string.Equals(e.GetProperty("address").GetString(), "writer@remote.test", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Release_WhileAPop3SessionHoldsTheLock_ThatSessionsListUnchangedTheNextSeesIt()
    {
        const string erin = "erin@locked.quarantine.test";
        await ProvisionAsync(erin);
        await SmtpConversation.DeliverAsync(Server, Stranger, erin, Letter("while locked"));
        var id = Assert.Single(await HeldAsync(erin)).GetProperty("id").GetInt64();
        using var session = await Pop3Steps.LoginAsync(Server, erin);
        Assert.Equal(0, (await session.StatAsync()).Count);

        await PostReleaseAsync(erin, id);

        // RFC 1939 §5: the locked session's message list stays as it was when it took the lock.
        Assert.Equal(0, (await session.StatAsync()).Count);
        await session.QuitAsync(0);
        Assert.Equal(1, await Pop3CountAsync(erin));
    }

    [Fact]
    public async Task Delete_HeldMessage_204ThenGoneEverywhere()
    {
        const string frank = "frank@delete.quarantine.test";
        await ProvisionAsync(frank);
        await SmtpConversation.DeliverAsync(Server, Stranger, frank, Letter("discard me"));
        var id = Assert.Single(await HeldAsync(frank)).GetProperty("id").GetInt64();

        using (var deleted = await Admin.DeleteAsync($"/api/v1/accounts/{frank}/quarantine/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Empty(await HeldAsync(frank));
        foreach (var response in new[]
        {
            await Admin.GetAsync($"/api/v1/accounts/{frank}/quarantine/{id}"),
            await Admin.DeleteAsync($"/api/v1/accounts/{frank}/quarantine/{id}"),
            await Admin.PostAsync($"/api/v1/accounts/{frank}/quarantine/{id}/release", null),
        })
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Equal(0, await Pop3CountAsync(frank));
    }

    [Theory]
    [InlineData("GET", "/api/v1/accounts/nobody@unknown.quarantine.test/quarantine")]
    [InlineData("GET", "/api/v1/accounts/nobody@unknown.quarantine.test/quarantine/1")]
    [InlineData("POST", "/api/v1/accounts/nobody@unknown.quarantine.test/quarantine/1/release")]
    [InlineData("DELETE", "/api/v1/accounts/nobody@unknown.quarantine.test/quarantine/1")]
    public async Task Quarantine_UnknownAccount_404Problem(string method, string path)
    {
        using var response = await Admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Quarantine_IdOfAnotherAccount_404AndNothingMoves()
    {
        const string victim = "victim@other.quarantine.test";
        const string other = "other@other.quarantine.test";
        await ProvisionAsync(victim);
        await ProvisionAsync(other);
        await SmtpConversation.DeliverAsync(Server, Stranger, victim, Letter("private"));
        var id = Assert.Single(await HeldAsync(victim)).GetProperty("id").GetInt64();

        using var read = await Admin.GetAsync($"/api/v1/accounts/{other}/quarantine/{id}");
        using var release = await Admin.PostAsync($"/api/v1/accounts/{other}/quarantine/{id}/release", null);

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, release.StatusCode);
        Assert.Single(await HeldAsync(victim));
        Assert.Empty(await SmtpConversation.ReadMaildropAsync(Server, other));
    }

    [Fact]
    public async Task Quarantine_BadPaging_400()
    {
        await ProvisionAsync("pager@paging.quarantine.test");

        using var response = await Admin.GetAsync("/api/v1/accounts/pager@paging.quarantine.test/quarantine?limit=0");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Expiry_HeldLongerThanTheRetention_DiscardedByTheSweep()
    {
        const string gina = "gina@expiry.quarantine.test";
        await ProvisionAsync(gina);
        await SmtpConversation.DeliverAsync(Server, Stranger, gina, Letter("old"));
        await SmtpConversation.DeliverAsync(Server, Stranger, gina, Letter("young"));
        var ids = (await HeldAsync(gina)).Select(h => h.GetProperty("id").GetInt64()).ToArray();

        var longAgo = DateTimeOffset.UtcNow.AddDays(-31).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        Execute($"UPDATE quarantine SET held_at = {longAgo} WHERE id = {ids[0]}");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await HeldAsync(gina)).Length > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal([ids[1]], (await HeldAsync(gina)).Select(h => h.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task DeleteAccount_HeldMail_DiscardedWithIt()
    {
        const string henry = "henry@gone.quarantine.test";
        await ProvisionAsync(henry);
        await SmtpConversation.DeliverAsync(Server, Stranger, henry, Letter("orphan"));
        Assert.Single(await HeldAsync(henry));

        (await Admin.DeleteAsync($"/api/v1/accounts/{henry}")).EnsureSuccessStatusCode();
        await ProvisionAsync(henry);

        // An address given to someone else later must not inherit the previous owner's held mail.
        Assert.Empty(await HeldAsync(henry));
    }

    /// <summary>Changes the server's database directly: what the server itself cannot be made to do from outside yet.</summary>
    private void Execute(string sql)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(Server.DataDirectory, "emailai.db"), Pooling = false, DefaultTimeout = 30 };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
