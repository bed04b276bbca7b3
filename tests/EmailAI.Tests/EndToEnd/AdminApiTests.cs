using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The admin API contract of DESIGN.md against the real server: bearer token on every /api/v1 path, JSON in
/// and out, idempotent PUTs, RFC 9457 problem+json errors, and a refused request changes nothing.
/// </summary>
public sealed class AdminApiTests(AdminApiFixture fixture) : IClassFixture<AdminApiFixture>
{
    private ServerProcess Server => fixture.Server;

    private HttpClient Admin => fixture.Server.Admin;

    // ── Authentication ──────────────────────────────────────────────────────────────────────────

    public static TheoryData<string, string, string?> ProtectedRequests()
    {
        string[][] endpoints =
        [
            ["GET", "/api/v1/domains"],
            ["GET", "/api/v1/domains/auth.example"],
            ["PUT", "/api/v1/domains/auth.example"],
            ["DELETE", "/api/v1/domains/auth.example"],
            ["GET", "/api/v1/accounts"],
            ["GET", "/api/v1/accounts/alice@auth.example"],
            ["PUT", "/api/v1/accounts/alice@auth.example"],
            ["DELETE", "/api/v1/accounts/alice@auth.example"],
            ["GET", "/api/v1/accounts/alice@auth.example/messages"],
            ["GET", "/api/v1/accounts/alice@auth.example/messages/1"],
            ["GET", "/api/v1/relay"],
            ["PUT", "/api/v1/relay"],
            // Paths and methods with no endpoint are guarded too: no probing without the token.
            ["POST", "/api/v1/domains"],
            ["GET", "/api/v1/no-such-thing"],
            ["GET", "/api/v2/domains"],
        ];
        string?[] authorizations =
        [
            null,
            "Bearer wrong-token",
            "Bearer " + ServerProcess.Token[..^1],
            "Bearer " + ServerProcess.Token + "x",
            "Bearer",
            "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes("admin:" + ServerProcess.Token)),
            "Token " + ServerProcess.Token,
            ServerProcess.Token,
        ];
        var data = new TheoryData<string, string, string?>();
        foreach (var endpoint in endpoints)
        {
            foreach (var authorization in authorizations)
            {
                data.Add(endpoint[0], endpoint[1], authorization);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ProtectedRequests))]
    public async Task ApiPath_WithoutValidBearerToken_Returns401ProblemWithChallenge(string method, string path, string? authorization)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (authorization is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));
        }

        if (method == "PUT")
        {
            request.Content = ServerProcess.Json(path.EndsWith("/relay", StringComparison.Ordinal)
                ? """{"authorisedIps":["0.0.0.0/0"]}"""
                : """{"delivery":{"mode":"mailbox"},"password":"password-123"}""");
        }

        using var response = await fixture.Anonymous.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task PutDomainAndRelay_WithWrongToken_ChangeNothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/v1/domains/unauthorised.example")
        {
            Content = ServerProcess.Json("""{"name":"unauthorised.example","delivery":{"mode":"mailbox"}}"""),
        };
        request.Headers.Authorization = new("Bearer", "not-the-token");
        using var relay = new HttpRequestMessage(HttpMethod.Put, "/api/v1/relay") { Content = ServerProcess.Json("""{"authorisedIps":["0.0.0.0/0"]}""") };

        using var domainResponse = await fixture.Anonymous.SendAsync(request);
        using var relayResponse = await fixture.Anonymous.SendAsync(relay);

        Assert.Equal(HttpStatusCode.Unauthorized, domainResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, relayResponse.StatusCode);
        using var get = await Admin.GetAsync("/api/v1/domains/unauthorised.example");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        var ips = (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay")).GetProperty("authorisedIps");
        Assert.DoesNotContain("0.0.0.0/0", ips.EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task HealthEndpoint_WithoutToken_Returns200(string path)
    {
        using var response = await fixture.Anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_AfterMessageAccepted_PrometheusTextCountsIt()
    {
        const string address = "metrics@metrics.example";
        await Server.ProvisionAsync(address);
        await SmtpConversation.DeliverAsync(Server, "bob@remote.test", address, "Subject: metrics\r\n\r\nhello\r\n.\r\n");

        // The exporter may serve a cached scrape for a moment; poll with a deadline.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string text;
        double? accepted;
        do
        {
            using var response = await fixture.Anonymous.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            text = await response.Content.ReadAsStringAsync();
            accepted = SampleValue(text, "emailai_smtp_messages_accepted");
            if (accepted >= 1)
            {
                break;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.True(accepted >= 1, $"no emailai_smtp_messages_accepted sample >= 1 in /metrics:\n{text}");
        Assert.Contains("# TYPE emailai_smtp_messages_accepted", text);
        Assert.NotNull(SampleValue(text, "emailai_smtp_connections"));
    }

    // ── Domains ─────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task PutDomain_NewThenRepeated_Returns201Then200WithSameBodyAndListsIt()
    {
        const string body = """{"name":"idempotent.example","delivery":{"mode":"mailbox"}}""";

        using var first = await PutAsync("/api/v1/domains/idempotent.example", body);
        var firstBody = await first.Content.ReadAsStringAsync();
        using var second = await PutAsync("/api/v1/domains/idempotent.example", body);
        var secondBody = await second.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("application/json", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal(firstBody, secondBody);
        var domain = JsonDocument.Parse(firstBody).RootElement;
        Assert.Equal("idempotent.example", domain.GetProperty("name").GetString());
        Assert.Equal("mailbox", domain.GetProperty("delivery").GetProperty("mode").GetString());
        Assert.Equal(firstBody, await Admin.GetStringAsync("/api/v1/domains/idempotent.example"));
        var listed = Assert.Single(await ListDomainsAsync(), d => d.GetProperty("name").GetString() == "idempotent.example");
        Assert.Equal("mailbox", listed.GetProperty("delivery").GetProperty("mode").GetString());
    }

    [Fact]
    public async Task PutDomain_UpperCaseName_StoredLowerCaseAsOneDomain()
    {
        using var created = await PutAsync("/api/v1/domains/Upper.CASE.Example", """{"name":"UPPER.case.EXAMPLE","delivery":{"mode":"mailbox"}}""");
        using var again = await PutAsync("/api/v1/domains/upper.case.example", """{"delivery":{"mode":"mailbox"}}""");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("upper.case.example", (await ReadJsonAsync(created)).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var fetched = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/UPPER.CASE.EXAMPLE");
        Assert.Equal("upper.case.example", fetched.GetProperty("name").GetString());
        var names = (await ListDomainsAsync()).Select(d => d.GetProperty("name").GetString()).ToList();
        Assert.Single(names, n => string.Equals(n, "upper.case.example", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("upper.case.example", names);
    }

    [Fact]
    public async Task PutDomain_IdnName_StoredAsALabelAsOneDomain()
    {
        using var created = await PutAsync("/api/v1/domains/bücher.example", """{"name":"Bücher.example","delivery":{"mode":"mailbox"}}""");
        var createdText = await created.Content.ReadAsStringAsync();
        using var again = await PutAsync("/api/v1/domains/xn--bcher-kva.example", """{"name":"xn--bcher-kva.example","delivery":{"mode":"mailbox"}}""");

        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode}: {createdText}");
        Assert.Equal("xn--bcher-kva.example", JsonDocument.Parse(createdText).RootElement.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var fetched = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/b\u00fccher.example");
        Assert.Equal("xn--bcher-kva.example", fetched.GetProperty("name").GetString());
        var names = (await ListDomainsAsync()).Select(d => d.GetProperty("name").GetString()).ToList();
        Assert.Contains("xn--bcher-kva.example", names);
        Assert.DoesNotContain(names, n => n!.Contains("b\u00fccher", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Regression: GrainKeys.TryNormalizeDomain lower-cases only after IdnMapping.GetAscii, and with
    /// InvariantGlobalization IdnMapping does not case-fold non-ASCII letters, so "BÜCHER" became
    /// xn--bcher-2pa (a different domain) instead of xn--bcher-kva.
    /// </summary>
    [Fact]
    public async Task PutDomain_IdnNameWithUpperCaseNonAscii_SameDomainAsLowerCase()
    {
        using var created = await PutAsync("/api/v1/domains/m\u00fcller.example", """{"delivery":{"mode":"mailbox"}}""");
        var createdName = (await ReadJsonAsync(created)).GetProperty("name").GetString();

        using var upper = await PutAsync("/api/v1/domains/M\u00dcLLER.example", """{"delivery":{"mode":"mailbox"}}""");
        var upperText = await upper.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("xn--mller-kva.example", createdName);
        Assert.True(upper.StatusCode == HttpStatusCode.OK, $"PUT M\u00dcLLER.example after m\u00fcller.example: expected 200 (same domain), got {(int)upper.StatusCode} {upperText}");
        Assert.Equal("xn--mller-kva.example", JsonDocument.Parse(upperText).RootElement.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("-leading-hyphen.example")]
    [InlineData("trailing-hyphen-.example")]
    [InlineData("under_score.example")]
    [InlineData("double..dot.example")]
    [InlineData(".leading-dot.example")]
    [InlineData("trailing-dot.example.")]
    [InlineData("exa%20mple.example")]
    [InlineData("star.*.example")]
    [InlineData("%5B127.0.0.1%5D")]
    [InlineData("192.0.2.1")] // an IP address is not a local domain name
    [InlineData("10.0.0.300")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example")] // 64-octet label
    public async Task PutDomain_InvalidName_Returns400ProblemAndCreatesNothing(string name)
    {
        var before = await ListDomainNamesAsync();

        using var response = await PutAsync("/api/v1/domains/" + name, """{"delivery":{"mode":"mailbox"}}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, await ListDomainNamesAsync());
    }

    [Fact]
    public async Task PutDomain_TooLongName_Returns400Problem()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 61), 4)) + ".example"; // 255 octets, over RFC 1035's 253

        using var response = await PutAsync("/api/v1/domains/" + name, """{"delivery":{"mode":"mailbox"}}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PutDomain_BodyNameMismatchesPath_Returns400AndCreatesNothing()
    {
        using var response = await PutAsync("/api/v1/domains/path-name.example", """{"name":"body-name.example","delivery":{"mode":"mailbox"}}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        await AssertNotFoundAsync("/api/v1/domains/path-name.example");
        await AssertNotFoundAsync("/api/v1/domains/body-name.example");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("""{"name":"malformed.example","delivery":"mailbox"}""")]
    [InlineData("""{"name":"malformed.example","delivery":{"mode":"forward","host":"10.0.0.5","port":"twenty-five"}}""")]
    [InlineData("""{"name":"malformed.example","delivery":{"mode":"mailbox"}""")]
    public async Task PutDomain_MalformedJson_Returns400AndCreatesNothing(string body)
    {
        using var response = await PutAsync("/api/v1/domains/malformed.example", body);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        await AssertNotFoundAsync("/api/v1/domains/malformed.example");
    }

    [Theory]
    [InlineData("""{"mode":"pop3"}""")]
    [InlineData("""{"mode":""}""")]
    [InlineData("""{}""")]
    [InlineData("""{"mode":"MAILBOX!"}""")]
    [InlineData("""{"mode":"forward"}""")]
    [InlineData("""{"mode":"forward","host":"","port":25}""")]
    [InlineData("""{"mode":"forward","host":"bad host!","port":25}""")]
    [InlineData("""{"mode":"forward","host":"10.0.0.5","port":0}""")]
    [InlineData("""{"mode":"forward","host":"10.0.0.5","port":65536}""")]
    [InlineData("""{"mode":"mailbox","host":"10.0.0.5","port":25}""")]
    public async Task PutDomain_InvalidDelivery_Returns400AndCreatesNothing(string delivery)
    {
        using var response = await PutAsync("/api/v1/domains/bad-delivery.example", $$"""{"name":"bad-delivery.example","delivery":{{delivery}}}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        await AssertNotFoundAsync("/api/v1/domains/bad-delivery.example");
    }

    [Fact]
    public async Task PutDomain_InvalidDeliveryForExistingDomain_Returns400AndKeepsSettings()
    {
        using var created = await PutAsync("/api/v1/domains/keeps-delivery.example", """{"delivery":{"mode":"forward","host":"10.0.0.5","port":2525}}""");
        var before = await Admin.GetStringAsync("/api/v1/domains/keeps-delivery.example");

        using var refused = await PutAsync("/api/v1/domains/keeps-delivery.example", """{"delivery":{"mode":"forward","host":"10.0.0.6","port":70000}}""");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await AssertProblemAsync(refused, HttpStatusCode.BadRequest);
        Assert.Equal(before, await Admin.GetStringAsync("/api/v1/domains/keeps-delivery.example"));
    }

    [Fact]
    public async Task PutDomain_ForwardWithHostAndPort_AcceptedAndShown()
    {
        using var response = await PutAsync("/api/v1/domains/forwarded.example", """{"name":"forwarded.example","delivery":{"mode":"forward","host":"10.0.0.5","port":2525}}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        AssertForward(await ReadJsonAsync(response));
        AssertForward(await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/forwarded.example"));
        AssertForward(Assert.Single(await ListDomainsAsync(), d => d.GetProperty("name").GetString() == "forwarded.example"));

        static void AssertForward(JsonElement domain)
        {
            var delivery = domain.GetProperty("delivery");
            Assert.Equal("forward", delivery.GetProperty("mode").GetString());
            Assert.Equal("10.0.0.5", delivery.GetProperty("host").GetString());
            Assert.Equal(2525, delivery.GetProperty("port").GetInt32());
        }
    }

    [Fact]
    public async Task PutDomain_ForwardBackToMailbox_DropsHostAndPort()
    {
        using var forward = await PutAsync("/api/v1/domains/back-to-mailbox.example", """{"delivery":{"mode":"forward","host":"relay.internal.example","port":25}}""");
        using var mailbox = await PutAsync("/api/v1/domains/back-to-mailbox.example", """{"delivery":{"mode":"mailbox"}}""");

        Assert.Equal(HttpStatusCode.Created, forward.StatusCode);
        Assert.Equal(HttpStatusCode.OK, mailbox.StatusCode);
        var delivery = (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/back-to-mailbox.example")).GetProperty("delivery");
        Assert.Equal("mailbox", delivery.GetProperty("mode").GetString());
        Assert.False(delivery.TryGetProperty("host", out _));
        Assert.False(delivery.TryGetProperty("port", out _));
    }

    [Fact]
    public async Task DeleteDomain_WithAccounts_Returns409AndDomainRemains()
    {
        await Server.ProvisionAsync("owner@occupied.example");

        using var refused = await Admin.DeleteAsync("/api/v1/domains/occupied.example");

        await AssertProblemAsync(refused, HttpStatusCode.Conflict);
        var domain = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/occupied.example");
        Assert.Equal(1, domain.GetProperty("accounts").GetInt32());
        Assert.Contains("occupied.example", await ListDomainNamesAsync());
        using var rcpt = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await rcpt.SendCommandAsync("MAIL FROM:<bob@remote.test>"));
        Assert.StartsWith("250", await rcpt.SendCommandAsync("RCPT TO:<owner@occupied.example>"));
    }

    [Fact]
    public async Task DeleteDomain_AfterItsAccounts_Returns204AndRcptBecomesRelay()
    {
        await Server.ProvisionAsync("leaver@emptied.example");
        using var account = await Admin.DeleteAsync("/api/v1/accounts/leaver@emptied.example");

        using var domain = await Admin.DeleteAsync("/api/v1/domains/emptied.example");

        Assert.Equal(HttpStatusCode.NoContent, account.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, domain.StatusCode);
        await AssertNotFoundAsync("/api/v1/domains/emptied.example");
        Assert.DoesNotContain("emptied.example", await ListDomainNamesAsync());
        using var client = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await client.SendCommandAsync("MAIL FROM:<bob@remote.test>"));
        Assert.StartsWith("554 5.7.1", await client.SendCommandAsync("RCPT TO:<postmaster@emptied.example>"));
    }

    [Fact]
    public async Task DeleteDomain_Unknown_Returns404Problem()
    {
        using var response = await Admin.DeleteAsync("/api/v1/domains/never-existed.example");

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    // ── Accounts ────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task PutAccount_NonLocalDomain_Returns400AndCreatesNothing()
    {
        using var response = await PutAsync("/api/v1/accounts/bob@not-local.example", """{"address":"bob@not-local.example","password":"password-123"}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        await AssertNotFoundAsync("/api/v1/accounts/bob@not-local.example");
        await AssertNotFoundAsync("/api/v1/domains/not-local.example");
        var accounts = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/accounts");
        Assert.DoesNotContain("bob@not-local.example", accounts.EnumerateArray().Select(a => a.GetProperty("address").GetString()));
    }

    [Fact]
    public async Task PutAccount_ForwardingDomain_Returns400AndCreatesNothing()
    {
        using var domain = await PutAsync("/api/v1/domains/forward-only.example", """{"delivery":{"mode":"forward","host":"10.0.0.5"}}""");

        using var response = await PutAsync("/api/v1/accounts/bob@forward-only.example", """{"password":"password-123"}""");

        Assert.Equal(HttpStatusCode.Created, domain.StatusCode);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        await AssertNotFoundAsync("/api/v1/accounts/bob@forward-only.example");
    }

    [Theory]
    [InlineData("""{"address":"nopassword@accounts.example"}""")]
    [InlineData("""{}""")]
    [InlineData("""{"password":null}""")]
    public async Task PutAccount_NewWithoutPassword_Returns400AndCreatesNothing(string body)
    {
        await EnsureDomainAsync("accounts.example");

        using var response = await PutAsync("/api/v1/accounts/nopassword@accounts.example", body);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        await AssertNotFoundAsync("/api/v1/accounts/nopassword@accounts.example");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1025)]
    public async Task PutAccount_PasswordLengthOutOfBounds_Returns400AndCreatesNothing(int length)
    {
        await EnsureDomainAsync("accounts.example");
        var address = $"len{length}@accounts.example";

        using var response = await PutAsync($"/api/v1/accounts/{address}", JsonSerializer.Serialize(new { address, password = new string('p', length) }));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        await AssertNotFoundAsync($"/api/v1/accounts/{address}");
    }

    [Fact]
    public async Task PutAccount_ShortPasswordForExistingAccount_Returns400AndKeepsHash()
    {
        await Server.ProvisionAsync("keepshort@accounts.example", "original-password");
        var before = ReadStoredPasswordHash("keepshort@accounts.example");

        using var response = await PutAsync("/api/v1/accounts/keepshort@accounts.example", """{"password":"short"}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, ReadStoredPasswordHash("keepshort@accounts.example"));
    }

    [Theory]
    [InlineData("no-at-sign.example")]
    [InlineData("%22quoted%22@accounts.example")]
    [InlineData("double..dot@accounts.example")]
    [InlineData("user@localhost")]
    [InlineData("user@bad_domain.example")]
    public async Task PutAccount_InvalidAddress_Returns400Problem(string address)
    {
        using var response = await PutAsync("/api/v1/accounts/" + address, """{"password":"password-123"}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PutAccount_BodyAddressMismatchesPath_Returns400AndCreatesNothing()
    {
        await EnsureDomainAsync("accounts.example");

        using var response = await PutAsync("/api/v1/accounts/path@accounts.example", """{"address":"body@accounts.example","password":"password-123"}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        await AssertNotFoundAsync("/api/v1/accounts/path@accounts.example");
        await AssertNotFoundAsync("/api/v1/accounts/body@accounts.example");
    }

    [Fact]
    public async Task GetAccount_Always_NeverShowsPasswordOrHash()
    {
        const string password = "Sekrit-Passw0rd-xyzzy";
        await EnsureDomainAsync("secrets.example");

        using var put = await PutAsync("/api/v1/accounts/Carol@Secrets.Example", JsonSerializer.Serialize(new { address = "carol@secrets.example", password }));
        var putText = await put.Content.ReadAsStringAsync();
        var getText = await Admin.GetStringAsync("/api/v1/accounts/carol@secrets.example");
        var listText = await Admin.GetStringAsync("/api/v1/accounts");
        var listByDomainText = await Admin.GetStringAsync("/api/v1/accounts?domain=secrets.example");

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal("carol@secrets.example", JsonDocument.Parse(getText).RootElement.GetProperty("address").GetString());
        Assert.Contains("carol@secrets.example", listByDomainText);
        foreach (var text in new[] { putText, getText, listText, listByDomainText })
        {
            Assert.DoesNotContain(password, text);
            Assert.DoesNotContain("pbkdf2", text, StringComparison.OrdinalIgnoreCase);
        }

        foreach (var text in new[] { putText, getText })
        {
            Assert.DoesNotContain("hash", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
        }

        // And at rest only the salted hash is kept.
        var state = ReadStoredAccountState("carol@secrets.example");
        Assert.DoesNotContain(password, state);
        Assert.StartsWith("pbkdf2-sha512$", ReadStoredPasswordHash("carol@secrets.example"));
    }

    [Fact]
    public async Task PutAccount_ExistingWithoutPassword_Returns200AndKeepsPassword()
    {
        await Server.ProvisionAsync("keeper@accounts.example", "first-password");
        var original = ReadStoredPasswordHash("keeper@accounts.example");

        using var update = await PutAsync("/api/v1/accounts/keeper@accounts.example", """{"address":"keeper@accounts.example"}""");
        var afterUpdate = ReadStoredPasswordHash("keeper@accounts.example");
        using var change = await PutAsync("/api/v1/accounts/keeper@accounts.example", """{"password":"second-password"}""");
        var afterChange = ReadStoredPasswordHash("keeper@accounts.example");

        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Equal("keeper@accounts.example", (await ReadJsonAsync(update)).GetProperty("address").GetString());
        Assert.Equal(original, afterUpdate);
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        Assert.NotEqual(original, afterChange);
    }

    [Fact]
    public async Task DeleteAccount_Existing_Returns204ThenGone404AndRcptRefused550()
    {
        await Server.ProvisionAsync("doomed@accounts-delete.example");
        using (var before = await SmtpConversation.ConnectAsync(Server))
        {
            Assert.StartsWith("250", await before.SendCommandAsync("MAIL FROM:<bob@remote.test>"));
            Assert.StartsWith("250", await before.SendCommandAsync("RCPT TO:<doomed@accounts-delete.example>"));
        }

        using var deleted = await Admin.DeleteAsync("/api/v1/accounts/doomed@accounts-delete.example");
        using var again = await Admin.DeleteAsync("/api/v1/accounts/doomed@accounts-delete.example");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertNotFoundAsync("/api/v1/accounts/doomed@accounts-delete.example");
        await AssertProblemAsync(again, HttpStatusCode.NotFound);
        var domain = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/accounts-delete.example");
        Assert.Equal(0, domain.GetProperty("accounts").GetInt32());
        using var after = await SmtpConversation.ConnectAsync(Server);
        Assert.StartsWith("250", await after.SendCommandAsync("MAIL FROM:<bob@remote.test>"));
        Assert.StartsWith("550 5.1.1", await after.SendCommandAsync("RCPT TO:<doomed@accounts-delete.example>"));
    }

    /// <summary>
    /// An address is often given to someone new after its owner left. DELETE of the account leaves its
    /// maildrop rows in the message store, so a later PUT of the same address hands the new owner the
    /// previous owner's mail.
    /// </summary>
    [Fact]
    public async Task PutAccount_RecreatedAfterDelete_StartsWithEmptyMaildrop()
    {
        const string address = "reused@accounts-reuse.example";
        await Server.ProvisionAsync(address, "first-owner-pw");
        await SmtpConversation.DeliverAsync(Server, "hr@remote.test", address, "Subject: for the first owner\r\n\r\nprivate\r\n.\r\n");
        using var deleted = await Admin.DeleteAsync($"/api/v1/accounts/{address}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var recreated = await PutAsync($"/api/v1/accounts/{address}", """{"password":"second-owner-pw"}""");

        Assert.Equal(HttpStatusCode.Created, recreated.StatusCode);
        Assert.Equal(0, (await ReadJsonAsync(recreated)).GetProperty("messages").GetInt32());
        Assert.Equal(0, (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{address}/messages")).GetArrayLength());
    }

    // ── Relay ───────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void Relay_FreshServer_DefaultsToNoRelayAndNoBlocking()
    {
        var relay = JsonDocument.Parse(fixture.InitialRelayJson).RootElement;

        Assert.Equal(0, relay.GetProperty("authorisedIps").GetArrayLength());
        Assert.False(relay.GetProperty("autoWhiteListRecipients").GetBoolean());
        var blocking = relay.GetProperty("ipLocationBlocking");
        Assert.Equal(0, blocking.GetProperty("blockedCountries").GetArrayLength());
        Assert.False(string.IsNullOrWhiteSpace(blocking.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task PutRelay_MixedPatterns_RoundTrip()
    {
        string[] ips = ["192.168.1.%", "10.0.0.7", "192.168.2.0/24", "2001:db8::/32"];

        using var response = await PutAsync("/api/v1/relay", JsonSerializer.Serialize(new { authorisedIps = ips, autoWhiteListRecipients = true }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ips, AuthorisedIps(await ReadJsonAsync(response)));
        var fetched = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay");
        Assert.Equal(ips, AuthorisedIps(fetched));
        Assert.True(fetched.GetProperty("autoWhiteListRecipients").GetBoolean());
    }

    [Theory]
    [InlineData("192.168.1")]
    [InlineData("300.1.1.1")]
    [InlineData("10.%")]
    [InlineData("1.2.3.4/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("not-an-ip")]
    [InlineData("")]
    [InlineData(" 10.0.0.1")]
    public async Task PutRelay_InvalidEntry_Returns400AndKeepsPreviousList(string invalid)
    {
        string[] previous = ["10.1.2.3", "172.16.%.%"];
        using var set = await PutAsync("/api/v1/relay", JsonSerializer.Serialize(new { authorisedIps = previous }));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);

        using var response = await PutAsync("/api/v1/relay", JsonSerializer.Serialize(new { authorisedIps = new[] { "10.9.9.9", invalid } }));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(previous, AuthorisedIps(await Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay")));
    }

    [Fact]
    public async Task PutRelay_PartialBody_KeepsOmittedFields()
    {
        using var full = await PutAsync("/api/v1/relay", """
            {"authorisedIps":["10.0.0.7"],"autoWhiteListRecipients":true,
             "ipLocationBlocking":{"blockedCountries":["XX"],"message":"Not from there"}}
            """);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);

        using var onlyFlag = await PutAsync("/api/v1/relay", """{"autoWhiteListRecipients":false}""");
        var afterFlag = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay");
        using var onlyIps = await PutAsync("/api/v1/relay", """{"authorisedIps":["10.0.0.8"]}""");
        var afterIps = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay");
        using var onlyMessage = await PutAsync("/api/v1/relay", """{"ipLocationBlocking":{"message":"Still not"}}""");
        var afterMessage = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay");

        Assert.Equal(HttpStatusCode.OK, onlyFlag.StatusCode);
        Assert.Equal(["10.0.0.7"], AuthorisedIps(afterFlag));
        Assert.False(afterFlag.GetProperty("autoWhiteListRecipients").GetBoolean());
        Assert.Equal("Not from there", afterFlag.GetProperty("ipLocationBlocking").GetProperty("message").GetString());
        Assert.Equal(["XX"], afterFlag.GetProperty("ipLocationBlocking").GetProperty("blockedCountries").EnumerateArray().Select(e => e.GetString()));

        Assert.Equal(HttpStatusCode.OK, onlyIps.StatusCode);
        Assert.Equal(["10.0.0.8"], AuthorisedIps(afterIps));
        Assert.False(afterIps.GetProperty("autoWhiteListRecipients").GetBoolean());
        Assert.Equal("Not from there", afterIps.GetProperty("ipLocationBlocking").GetProperty("message").GetString());

        Assert.Equal(HttpStatusCode.OK, onlyMessage.StatusCode);
        Assert.Equal(["10.0.0.8"], AuthorisedIps(afterMessage));
        Assert.Equal("Still not", afterMessage.GetProperty("ipLocationBlocking").GetProperty("message").GetString());
        Assert.Equal(["XX"], afterMessage.GetProperty("ipLocationBlocking").GetProperty("blockedCountries").EnumerateArray().Select(e => e.GetString()));
    }

    // ── Messages ────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Messages_AfterDelivery_ListAndRawReturnDeliveredBytes()
    {
        const string address = "reader@messages.example";
        await Server.ProvisionAsync(address);
        var sent = "Message-ID: <raw-1@e2e.test>\r\nSubject: raw\r\n\r\nfirst line\r\n.dotted\r\nGr\u00fc\u00dfe\r\n";
        var wire = sent.Replace("\r\n.dotted", "\r\n..dotted", StringComparison.Ordinal) + ".\r\n";
        await SmtpConversation.DeliverAsync(Server, "bob@remote.test", address, wire);

        var entries = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{address}/messages");
        var entry = Assert.Single(entries.EnumerateArray());
        var uid = entry.GetProperty("uid").GetInt64();
        using var raw = await Admin.GetAsync($"/api/v1/accounts/{address}/messages/{uid.ToString(CultureInfo.InvariantCulture)}");
        var bytes = await raw.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal("message/rfc822", raw.Content.Headers.ContentType?.MediaType);
        Assert.Equal(entry.GetProperty("size").GetInt64(), bytes.LongLength);
        Assert.True(entry.TryGetProperty("receivedAt", out _));
        Assert.Equal(Encoding.UTF8.GetBytes(sent), SmtpConversation.WithoutTrace(bytes));
        Assert.StartsWith("Return-Path: <bob@remote.test>\r\n", Encoding.UTF8.GetString(bytes));
        var account = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{address}");
        Assert.Equal(1, account.GetProperty("messages").GetInt32());
        Assert.Equal(bytes.LongLength, account.GetProperty("messageBytes").GetInt64());
    }

    [Fact]
    public async Task ReadMessage_UnknownUid_Returns404Problem()
    {
        await Server.ProvisionAsync("empty@messages.example");

        using var response = await Admin.GetAsync("/api/v1/accounts/empty@messages.example/messages/999999");

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ReadMessage_UidOfAnotherAccount_Returns404()
    {
        await Server.ProvisionAsync("owner@isolation.example");
        await Server.ProvisionAsync("snoop@isolation.example");
        await SmtpConversation.DeliverAsync(Server, "bob@remote.test", "owner@isolation.example", "Subject: private\r\n\r\nfor owner only\r\n.\r\n");
        var entries = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/accounts/owner@isolation.example/messages");
        var uid = Assert.Single(entries.EnumerateArray()).GetProperty("uid").GetInt64();

        using var response = await Admin.GetAsync($"/api/v1/accounts/snoop@isolation.example/messages/{uid.ToString(CultureInfo.InvariantCulture)}");

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(0, (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/accounts/snoop@isolation.example/messages")).GetArrayLength());
    }

    // ── Helpers ─────────────────────────────────────────────────────────────────────────────────

    private Task<HttpResponseMessage> PutAsync(string path, string json) => Admin.PutAsync(path, ServerProcess.Json(json));

    private async Task EnsureDomainAsync(string domain)
    {
        using var response = await PutAsync($"/api/v1/domains/{domain}", """{"delivery":{"mode":"mailbox"}}""");
        Assert.True(response.IsSuccessStatusCode, $"PUT domain {domain}: {(int)response.StatusCode}");
    }

    private async Task<List<JsonElement>> ListDomainsAsync() =>
        [.. (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains")).EnumerateArray()];

    private async Task<List<string>> ListDomainNamesAsync() =>
        [.. (await ListDomainsAsync()).Select(d => d.GetProperty("name").GetString()!)];

    private async Task AssertNotFoundAsync(string path)
    {
        using var response = await Admin.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"GET {path}: expected 404, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
    }

    private static List<string?> AuthorisedIps(JsonElement relay) =>
        [.. relay.GetProperty("authorisedIps").EnumerateArray().Select(e => e.GetString())];

    /// <summary>Value of the first sample of a Prometheus metric family (counters carry a "_total" suffix).</summary>
    private static double? SampleValue(string exposition, string family)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (!line.StartsWith(family, StringComparison.Ordinal) || line.Length == family.Length || line[family.Length] is not ('_' or '{' or ' '))
            {
                continue;
            }

            var afterLabels = line.Contains('}', StringComparison.Ordinal) ? line[(line.LastIndexOf('}') + 1)..] : line[line.IndexOf(' ', StringComparison.Ordinal)..];
            var value = afterLabels.Trim().Split(' ')[0];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }
        }

        return null;
    }

    /// <summary>The account's persisted grain state (JSON) read straight from the server's SQLite file.</summary>
    private string ReadStoredAccountState(string address)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(Server.DataDirectory, "emailai.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM grain_state WHERE state_name = 'account' AND grain_id LIKE '%/' || $address;";
        command.Parameters.AddWithValue("$address", address);
        var payload = command.ExecuteScalar() as byte[];
        Assert.NotNull(payload);
        return Encoding.UTF8.GetString(payload);
    }

    private string ReadStoredPasswordHash(string address) =>
        JsonDocument.Parse(ReadStoredAccountState(address)).RootElement.GetProperty("passwordHash").GetString()!;
}
