using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EmailAI.Tests.Delivery;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The Outbound Queue page of the admin web page in a real browser (<see cref="AdminBrowser"/>), against a remote server
/// that greylists every recipient: what a mail admin does with stuck mail — see the destination that is stuck and the
/// remote reply why, filter the queue down to a message, open it (envelope, each recipient's attempts with host and
/// reply, header fields), hold it, release it, delete it, and hold another message from its row. The API only sets up
/// and checks what the page did. Screenshots are saved as artifacts (the path is in the test output).
/// </summary>
public sealed class AdminPageQueueTests(ITestOutputHelper output)
{
    private const string Greylisted = "451 4.7.1 Greylisted, try again later";

    [Fact]
    public async Task Browser_StuckMail_DestinationsFilterMessageView_HoldReleaseDelete()
    {
        var binaries = AdminBrowser.Binaries();
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = _ => Greylisted });
        // One attempt, then deferred for an hour: the page shows a queue that stands still, except where it acts.
        await using var server = await RelayingServer.StartAsync(sink, backoff: "01:00:00");

        var stuck = await RelayingServer.RelayAsync(server, "sender@remote.example", "stuck at the page", "a@far.example", "b@far.example");
        var other = await RelayingServer.RelayAsync(server, "other@remote.example", "the other one", "c@near.example");
        await RelayingServer.WaitForAsync(server, "/api/v1/queue?state=deferred", q => q.GetArrayLength() == 3);

        using var browser = AdminBrowser.Start(binaries);
        var page = new AdminBrowserPage(browser, AdminBrowser.Artifacts(output, "admin-page-queue"));
        browser.Navigate().GoToUrl($"http://127.0.0.1:{server.AdminPort}/");
        page.SignIn(ServerProcess.Token);

        // By destination: the stuck one with the remote server's reply and the number of messages and recipients.
        page.Nav("queue");
        var far = By.XPath("//table//tr[td[1][normalize-space()='far.example']]");
        page.WaitForText(far, Greylisted);
        var cells = browser.FindElement(far).FindElements(By.TagName("td")).Select(c => c.Text).ToList();
        Assert.Equal(("far.example", "1", "2", "0"), (cells[0], cells[1], cells[2], cells[3]));
        page.WaitForText(By.XPath("//table//tr[td[1][normalize-space()='near.example']]"), Greylisted);
        page.Screenshot("1-destinations");

        // Filtered by destination: both recipients of the stuck message, not the other message.
        page.Type("queue-destination", "far.example");
        page.Click(By.XPath("//form[.//input[@id='queue-destination']]//button[normalize-space()='Filter']"));
        page.WaitUntil(() => MessageRows(browser).Count == 2);
        Assert.Equal(
            [(stuck, "a@far.example", "sender@remote.example", "deferred"), (stuck, "b@far.example", "sender@remote.example", "deferred")],
            MessageRows(browser).Select(r => (r[0], r[1], r[2], r[3])).Order());
        Assert.DoesNotContain(other, page.Text("main"));

        // And by recipient as well: one row, whose queue id opens the message.
        page.Type("queue-destination", "");
        page.Type("queue-recipient", "B@far.example");
        page.Click(By.XPath("//form[.//input[@id='queue-destination']]//button[normalize-space()='Filter']"));
        page.WaitUntil(() => MessageRows(browser) is [[_, "b@far.example", ..]]);
        Assert.Equal("", browser.FindElement(By.Id("queue-destination")).GetAttribute("value"));
        Assert.Equal("B@far.example", browser.FindElement(By.Id("queue-recipient")).GetAttribute("value"));
        Assert.Contains(Greylisted, MessageRows(browser)[0][7]);
        page.Screenshot("2-filtered-by-recipient");

        // The message view: envelope, every recipient with its attempt (host and reply), the header fields.
        page.Click(By.LinkText(stuck));
        page.WaitForText("main", "Queued message " + stuck);
        Assert.Contains("#queue/" + stuck, browser.Url);
        page.WaitForText(By.XPath("//dl[@class='facts'][dt[normalize-space()='Sender']]"), "sender@remote.example");
        foreach (var recipient in new[] { "a@far.example", "b@far.example" })
        {
            var attempts = RecipientCard(recipient);
            page.WaitForText(attempts, "deferred");
            var attempt = browser.FindElement(attempts).FindElements(By.XPath(".//table/tbody/tr")).Single().FindElements(By.TagName("td")).Select(c => c.Text).ToList();
            Assert.Contains("127.0.0.1", attempt[1]);
            Assert.Equal(Greylisted, attempt[2]);
        }

        var subject = browser.FindElements(By.XPath("//table//tr[td[1][normalize-space()='Subject']]/td[2]")).Select(c => c.Text).ToList();
        Assert.Equal(["stuck at the page"], subject);
        Assert.NotEmpty(browser.FindElements(By.XPath("//table//tr/td[1][normalize-space()='Received']")));
        page.Screenshot("3-message-view");

        // Hold: both recipients are held (the server says so), and the page shows it.
        page.Click(By.XPath("//main//button[normalize-space()='Hold']"));
        page.WaitForText("status", $"queue id {stuck}: 2 matched, 2 changed");
        Assert.Equal(["held", "held"], await StatesAsync(server, stuck));
        page.WaitForText(RecipientCard("a@far.example"), "held");
        page.WaitForText(RecipientCard("b@far.example"), "held");
        page.Screenshot("4-held");

        // Release: not held, and tried again at once (the remote server still greylists, so deferred with two attempts).
        page.Click(By.XPath("//main//button[normalize-space()='Release']"));
        page.WaitForText("status", $"queue id {stuck}: 2 matched, 2 changed");
        var released = await RelayingServer.WaitForAsync(server, $"/api/v1/queue/{stuck}", m => m.GetProperty("recipients").EnumerateArray()
            .All(r => r.GetProperty("state").GetString() == "deferred" && r.GetProperty("attempts").GetInt32() == 2));
        Assert.Equal(2, released.GetProperty("recipients").GetArrayLength());
        browser.Navigate().Refresh();
        page.WaitUntil(() => browser.FindElement(RecipientCard("a@far.example")).FindElements(By.XPath(".//table/tbody/tr")).Count == 2);

        // Back on the list, still filtered by recipient: "Hold matching" holds what the list shows — the filter applied,
        // not a destination typed and not yet applied (which would match nothing here).
        page.Click(By.LinkText("← Outbound queue"));
        page.WaitUntil(() => MessageRows(browser) is [[_, "b@far.example", ..]]);
        page.Type("queue-destination", "near.example");
        page.Click(By.XPath("//main//button[normalize-space()='Hold matching']"));
        page.WaitForText("status", "recipient=B@far.example: 1 matched, 1 changed");
        Assert.Equal(["deferred", "held"], await StatesAsync(server, stuck));
        page.WaitUntil(() => MessageRows(browser) is [[_, "b@far.example", _, "held", ..]]);
        Assert.Equal("", browser.FindElement(By.Id("queue-destination")).GetAttribute("value"));
        page.Click(By.LinkText(stuck));
        page.WaitForText("main", "Queued message " + stuck);

        // Delete, after the page asks: gone from the server and from the page; the other message stays.
        page.Click(By.XPath("//main//button[normalize-space()='Delete']"));
        Assert.Equal($"Delete message {stuck} for every recipient?", page.AcceptConfirmation());
        page.WaitUntil(() => browser.Url.EndsWith("#queue", StringComparison.Ordinal));
        using (var gone = await server.Admin.GetAsync($"/api/v1/queue/{stuck}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        page.WaitForText("main", "No messages match.");
        page.Type("queue-recipient", "");
        page.Click(By.XPath("//form[.//input[@id='queue-destination']]//button[normalize-space()='Filter']"));
        page.WaitUntil(() => MessageRows(browser) is [[_, "c@near.example", ..]]);
        Assert.Equal(other, MessageRows(browser)[0][0]);
        Assert.DoesNotContain(stuck, page.Text("main"));
        Assert.Empty(browser.FindElements(By.XPath("//table//tr[td[1][normalize-space()='far.example']]")));

        // A row's own Hold button holds that row.
        page.Click(By.XPath($"//table//tr[td[2][normalize-space()='c@near.example']]//button[normalize-space()='Hold']"));
        page.WaitUntil(() => MessageRows(browser) is [[_, "c@near.example", _, "held", ..]]);
        Assert.Equal(["held"], await StatesAsync(server, other));
        page.WaitForText(By.XPath("//table//tr[td[2][normalize-space()='c@near.example']]"), "Release");
        page.Screenshot("5-after-delete-other-held");

        await server.AssertLogSaysAsync($"Queue hold of queue id {stuck} by admin admin page from 127.0.0.1: 2 matched, 2 changed");
        await server.AssertLogSaysAsync($"Queue delete of queue id {stuck} by admin admin page from 127.0.0.1: 2 matched, 2 changed, 0 being sent");
        Assert.Empty(page.SecurityPolicyViolations());
    }

    /// <summary>The card of <paramref name="recipient"/> in the message view.</summary>
    private static By RecipientCard(string recipient) => By.XPath($"//div[contains(@class,'card')][h2[normalize-space()='{recipient}']]");

    /// <summary>The cells of each row of the Messages table (queue id, recipient, sender, state, attempts, age, next attempt, last error).</summary>
    private static List<List<string>> MessageRows(ChromeDriver browser) =>
        [.. browser.FindElements(By.CssSelector("#main form.card table tbody tr")).Select(r => r.FindElements(By.TagName("td")).Select(c => c.Text).ToList())];

    private static async Task<List<string?>> StatesAsync(ServerProcess server, string queueId) =>
        [.. (await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/queue/{queueId}")).GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("state").GetString())];
}
