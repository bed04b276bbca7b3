using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EmailAI.Gateway.Admin;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The admin web page at <c>/</c> of the admin listener: its headers over HTTP, then a real browser — Debian's headless
/// Chromium driven through its chromedriver by Selenium, found or installed here, nothing downloaded — doing what a mail
/// admin does: sign in, add a domain (and its DKIM key) and an account, add <c>192.168.1.%</c> to the relay list, see
/// <c>192.168.1.300</c> refused with the reason next to it, run the dry run, delete an entry with the Delete key, and
/// release a quarantined message. Screenshots of each page are saved as artifacts (the path is in the test output).
/// </summary>
public sealed class AdminPageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Page_ServedWithoutToken_StrictHeaders_ApiStillNeedsTheToken()
    {
        await using var server = await ServerProcess.StartNewAsync();
        using var anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.AdminPort}") };

        using var page = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe", csp);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("http://", html.Replace("http://127.0.0.1", "", StringComparison.Ordinal));
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotMatch(@"\son[a-z]+\s*=", html);
        Assert.DoesNotMatch(@"<input[^>]*\sname=", html);

        foreach (var (path, type) in new[] { ("/admin/admin.js", "text/javascript"), ("/admin/admin.css", "text/css"), ("/admin/icon.svg", "image/svg+xml") })
        {
            using var asset = await anonymous.GetAsync(path);
            Assert.Equal((HttpStatusCode.OK, type), (asset.StatusCode, asset.Content.Headers.ContentType?.MediaType));
            Assert.True(asset.Headers.Contains("Content-Security-Policy"));

            // Revalidation answers 304 by the ETag.
            using var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.IfNoneMatch.Add(asset.Headers.ETag!);
            using var notModified = await anonymous.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        var script = await anonymous.GetStringAsync("/admin/admin.js");
        Assert.DoesNotMatch(@"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function", script);
        Assert.DoesNotContain("document.cookie", script);
        foreach (var missing in new[] { "/admin/nothing.js", "/admin/index.html" })
        {
            using var notFound = await anonymous.GetAsync(missing);
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
            Assert.Equal(AdminPage.ContentSecurityPolicy, notFound.Headers.GetValues("Content-Security-Policy").Single());
        }

        // HEAD, as monitors and link checkers probe: the headers of GET, no body.
        using (var head = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/")))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.True(head.Headers.Contains("Content-Security-Policy"));
            Assert.Equal(html.Length > 0, head.Content.Headers.ContentLength > 0);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/node")).StatusCode);
        var node = await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/node");
        var smtp = node.GetProperty("listeners").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "smtp");
        Assert.Equal((server.SmtpPort, true, "EmailAI:Smtp"), (smtp.GetProperty("port").GetInt32(), smtp.GetProperty("enabled").GetBoolean(), smtp.GetProperty("setting").GetString()));
        Assert.True(node.GetProperty("tls").GetProperty("selfSigned").GetBoolean());
        Assert.Contains("restart", node.GetProperty("changeWith").GetString());
    }

    [Fact]
    public async Task Browser_SignIn_DomainAccountRelayDryRunDeleteKey_ReleaseFromQuarantine()
    {
        var binaries = AdminBrowser.Binaries();
        await using var server = await ServerProcess.StartNewAsync();
        using var browser = AdminBrowser.Start(binaries);
        var page = new AdminBrowserPage(browser, AdminBrowser.Artifacts(output, "admin-page"));
        browser.Navigate().GoToUrl($"http://127.0.0.1:{server.AdminPort}/");

        // A wrong token is refused on the form; the right one opens the pages.
        page.Type("login-token", "not-the-token");
        page.Click(By.CssSelector("#login-form button[type=submit]"));
        page.WaitForText("login-error", "refused");
        Assert.DoesNotContain("not-the-token", browser.Url);
        page.Type("login-token", ServerProcess.Token);
        page.Click(By.CssSelector("#login-form button[type=submit]"));
        page.WaitForText("main", "SMTP Server Domain");
        Assert.Contains(server.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), page.Text("main"));
        Assert.DoesNotContain(ServerProcess.Token, browser.Url);
        Assert.Empty(browser.Manage().Cookies.AllCookies);
        page.Screenshot("1-smtp-server");

        // Local Domains: add one, create its DKIM key and see the record to publish.
        page.Nav("domains");
        page.Type("domain-name", "example.com");
        page.Click(By.CssSelector("#main form.card button[type=submit]"));
        page.WaitForText("domain-detail", "DKIM signing");
        page.Click(By.XPath("//div[@id='domain-detail']//button[starts-with(normalize-space(), 'Create key')]"));
        page.WaitForText("dkim-record", "v=DKIM1; k=rsa; p=");
        Assert.Equal("emailai1._domainkey.example.com", page.Text("dkim-name"));
        page.Screenshot("2-domains");

        // Local Accounts: add one; set its unlisted senders to the quarantine.
        page.Nav("accounts");
        page.Type("account-address", "alice@example.com");
        page.Type("account-password", "a-long-secret");
        page.Click(By.XPath("//button[normalize-space()='Add account']"));
        page.WaitForText("account-detail", "Quarantine");
        page.Click(By.CssSelector("#account-unlisted option[value=quarantine]"));
        page.Click(By.XPath("//div[@id='account-detail']//button[normalize-space()='Save']"));
        page.WaitUntil(async () => (await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/accounts/alice@example.com")).GetProperty("unlistedSenders").GetString() == "quarantine");

        // A stranger's message is held; the page releases it into the mailbox.
        await SmtpConversation.DeliverAsync(server, "stranger@remote.test", "alice@example.com",
            "From: Stranger <stranger@remote.test>\r\nSubject: held for the page\r\n\r\nhello\r\n.\r\n");
        browser.Navigate().Refresh();
        page.WaitForText("quarantine", "held for the page");
        page.Screenshot("3-account-quarantine");
        page.Click(By.XPath("//div[@id='quarantine']//button[normalize-space()='Release']"));
        page.WaitForText("quarantine", "Nothing held.");
        var account = await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/accounts/alice@example.com");
        Assert.Equal(1, account.GetProperty("messageCount").GetInt32());

        // Relay: a wildcard entry is added; a bad one is refused with the server's reason next to it, the text kept.
        page.Nav("relay");
        page.Type("relay-input", "192.168.1.%");
        page.Click(By.XPath("//button[normalize-space()='Add']"));
        page.WaitUntil(() => page.Options("relay-list").Contains("192.168.1.%"));
        page.Type("relay-input", "192.168.1.300");
        page.Click(By.XPath("//button[normalize-space()='Add']"));
        page.WaitForText("relay-error", "192.168.1.300");
        Assert.Equal("true", browser.FindElement(By.Id("relay-input")).GetAttribute("aria-invalid"));
        Assert.Equal("192.168.1.300", browser.FindElement(By.Id("relay-input")).GetAttribute("value"));
        Assert.Equal(["192.168.1.%"], (await RelayAsync(server)).GetProperty("authorisedIps").EnumerateArray().Select(e => e.GetString()));
        page.Screenshot("4-relay-refused-entry");

        // The dry run: an address the wildcard covers may relay; one outside it may not.
        page.Type("check-ip", "192.168.1.7");
        page.Type("check-to", "bob@far.example");
        page.Click(By.XPath("//button[normalize-space()='Check']"));
        page.WaitForText("check-result", "yes, by the entry 192.168.1.%");
        page.Type("check-ip", "203.0.113.9");
        page.Click(By.XPath("//button[normalize-space()='Check']"));
        page.WaitForText("check-result", "554 5.7.1 Relay access denied");
        page.Screenshot("5-relay-dry-run");

        // Select the entry and press Delete.
        page.Click(By.CssSelector("#relay-list option[value='192.168.1.%']"));
        browser.FindElement(By.Id("relay-list")).SendKeys(Keys.Delete);
        page.WaitUntil(async () => (await RelayAsync(server)).GetProperty("authorisedIps").GetArrayLength() == 0);
        page.WaitUntil(() => page.Options("relay-list").Count == 0);

        // The other pages render what the API has.
        page.Nav("whitelist");
        page.Click(By.CssSelector("#whitelist-owner option[value='alice@example.com']"));
        page.Type("whitelist-input", "friend@example.org");
        page.Click(By.XPath("//button[normalize-space()='Add']"));
        page.WaitUntil(() => page.Options("whitelist-list").Contains("friend@example.org"));
        page.Type("whitelist-input", "not an address");
        page.Click(By.XPath("//button[normalize-space()='Add']"));
        page.WaitUntil(() => page.Text("whitelist-error").Length > 0);
        page.Screenshot("6-whitelist");
        page.Click(By.CssSelector("#whitelist-list option[value='friend@example.org']"));
        browser.FindElement(By.Id("whitelist-list")).SendKeys(Keys.Delete);
        page.WaitUntil(async () => (await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/whitelist/alice@example.com")).GetArrayLength() == 0);
        page.Nav("location");
        page.Type("location-blockedCountries-input", "XX");
        page.Click(By.XPath("//div[.//select[@id='location-blockedCountries-list']]//button[normalize-space()='Add']"));
        page.WaitUntil(async () => (await RelayAsync(server)).GetProperty("ipLocationBlocking").GetProperty("blockedCountries").EnumerateArray().Any(c => c.GetString() == "XX"));
        page.Screenshot("7-location");
        page.Nav("queue");
        page.WaitForText("main", "The queue is empty.");
        page.Screenshot("8-queue");

        // Signing out forgets the token: a reload shows the form again.
        page.Click(By.Id("logout"));
        browser.Navigate().Refresh();
        page.WaitUntil(() => browser.FindElement(By.Id("login")).Displayed);
        Assert.Empty(page.SecurityPolicyViolations());
    }

    private static async Task<JsonElement> RelayAsync(ServerProcess server) => await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/relay");
}
