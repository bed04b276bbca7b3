using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Xunit.Abstractions;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The real browser the admin page tests drive: Debian's headless Chromium through its chromedriver (found or installed
/// by <see cref="DebianPackage"/>, nothing downloaded), with the console log kept so a test can see Content-Security-Policy
/// violations, and a folder for its screenshots.
/// </summary>
internal static class AdminBrowser
{
    /// <summary>How long a step waits for the page to answer.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Chromium and chromedriver, found or installed.</summary>
    public static string[] Binaries() => DebianPackage.FindOrInstall("chromium chromium-driver", ["/usr/bin/chromium"], ["/usr/bin/chromedriver"]);

    /// <summary>A folder under the test output for the screenshots of <paramref name="name"/>, named in the test output.</summary>
    public static string Artifacts(ITestOutputHelper output, string name)
    {
        var artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts", name)).FullName;
        output.WriteLine("screenshots: " + artifacts);
        return artifacts;
    }

    public static ChromeDriver Start(string[] binaries)
    {
        var (chromium, chromedriver) = (binaries[0], binaries[1]);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(chromedriver)!, Path.GetFileName(chromedriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000",
            "--user-data-dir=" + Directory.CreateTempSubdirectory("emailai-chromium-").FullName);
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}

/// <summary>Steps on the admin page that wait for it, as a user waits for the page to answer.</summary>
internal sealed class AdminBrowserPage(ChromeDriver browser, string artifacts)
{
    /// <summary>Signs in with <paramref name="token"/> on the form and waits for the first page.</summary>
    public void SignIn(string token)
    {
        Type("login-token", token);
        Click(By.CssSelector("#login-form button[type=submit]"));
        WaitForText("main", "SMTP Server Domain");
    }

    public void Type(string id, string text)
    {
        var input = WaitFor(By.Id(id));
        input.Clear();
        if (text.Length > 0)
        {
            input.SendKeys(text);
        }
    }

    public void Click(By by) => WaitFor(by).Click();

    public void Nav(string page)
    {
        Click(By.CssSelector($"#nav a[href='#{page}']"));
        WaitUntil(() => browser.FindElement(By.CssSelector($"#nav a[href='#{page}']")).GetAttribute("aria-current") == "page"
            && !browser.FindElement(By.Id("main")).Text.StartsWith("Loading", StringComparison.Ordinal));
    }

    public string Text(string id) => WaitFor(By.Id(id)).Text;

    public List<string> Options(string id) => [.. browser.FindElements(By.CssSelector($"#{id} option")).Select(o => o.GetAttribute("value") ?? "")];

    public void WaitForText(string id, string text) => WaitForText(By.Id(id), text, "failed-" + id);

    /// <summary>Waits until the element <paramref name="by"/> finds shows <paramref name="text"/>; a screenshot and what it shows when it never does.</summary>
    public void WaitForText(By by, string text, string? screenshot = null)
    {
        try
        {
            WaitUntil(() => browser.FindElement(by).Text.Contains(text, StringComparison.Ordinal));
        }
        catch (WebDriverTimeoutException)
        {
            Screenshot(screenshot ?? "failed-" + string.Concat(by.ToString().Where(char.IsLetterOrDigit)));
            throw new Xunit.Sdk.XunitException($"{by} never showed '{text}'; it shows: {(browser.FindElements(by).FirstOrDefault()?.Text ?? "(no such element)")}");
        }
    }

    /// <summary>Accepts the confirmation the page asks for and answers its text.</summary>
    public string AcceptConfirmation()
    {
        var wait = Wait();
        wait.IgnoreExceptionTypes(typeof(NoAlertPresentException));
        var dialog = wait.Until(d => d.SwitchTo().Alert());
        var text = dialog.Text ?? "";
        dialog.Accept();
        return text;
    }

    public void WaitUntil(Func<bool> condition) => Wait().Until(_ => condition());

    public void WaitUntil(Func<Task<bool>> condition) => Wait().Until(_ => condition().GetAwaiter().GetResult());

    public void Screenshot(string name) => browser.GetScreenshot().SaveAsFile(Path.Combine(artifacts, name + ".png"));

    /// <summary>What the browser's console said about the Content-Security-Policy: nothing, when every asset is ours.</summary>
    public List<string> SecurityPolicyViolations() =>
        [.. browser.Manage().Logs.GetLog(LogType.Browser).Select(e => e.Message).Where(m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))];

    private IWebElement WaitFor(By by) => Wait().Until(d => d.FindElements(by).FirstOrDefault(e => e.Displayed && e.Enabled));

    private WebDriverWait Wait()
    {
        var wait = new WebDriverWait(browser, AdminBrowser.Patience) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        return wait;
    }
}
