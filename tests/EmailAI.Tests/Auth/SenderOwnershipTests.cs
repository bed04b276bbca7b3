using System.Net;
using System.Text.Json;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Auth;

/// <summary>
/// The envelope sender of an authenticated session, decided in the silo from the relay policy's
/// <c>submissionSenders</c> as set through GET/PUT /api/v1/relay: own (the default), domain, any; a bad value is a
/// 400; a relay policy stored before the setting existed reads as own.
/// </summary>
public sealed class SenderOwnershipTests
{
    private const string NotOwned = "553 5.7.1 Sender address not owned by the authenticated user";

    [Fact]
    public async Task Sender_OwnDomainAny_AsSetThroughTheAdminApi()
    {
        await using var login = await LoginServer.StartAsync();
        await login.Server.ProvisionAsync("alice@own.test");
        await login.Server.ProvisionAsync("alice@xn--bcher-kva.example");
        var policy = login.SenderPolicy();
        Assert.Equal("own", await SubmissionSendersAsync(login));

        // own: only the account's address, compared in normal form (domain case, IDN spellings, local-part case).
        Assert.True(await AcceptedAsync(policy, "alice@own.test", "alice", "own.test"));
        Assert.True(await AcceptedAsync(policy, "alice@own.test", "Alice", "OWN.Test"));
        Assert.True(await AcceptedAsync(policy, "alice@xn--bcher-kva.example", "alice", "BÜCHER.example"));
        Assert.True(await AcceptedAsync(policy, "alice@own.test", "\"alice\"", "own.test"));
        Assert.Equal(NotOwned, await ReplyAsync(policy, "alice@own.test", "bob", "own.test"));
        Assert.Equal(NotOwned, await ReplyAsync(policy, "alice@own.test", "alice", "other.test"));
        Assert.Equal(NotOwned, await ReplyAsync(policy, "alice@own.test", "alice", "[192.0.2.1]"));

        // The null sender names no one (Postfix's reject_sender_login_mismatch ignores it too).
        Assert.True(await AcceptedAsync(policy, "alice@own.test", "", ""));

        // Not this policy's business when nobody authenticated.
        Assert.True(await AcceptedAsync(policy, null, "bob", "elsewhere.test"));

        await PutAsync(login, """{"submissionSenders":"domain"}""", HttpStatusCode.OK);
        Assert.Equal("domain", await SubmissionSendersAsync(login));
        Assert.True(await AcceptedAsync(policy, "alice@own.test", "bob", "Own.Test"));
        Assert.Equal(NotOwned, await ReplyAsync(policy, "alice@own.test", "alice", "other.test"));

        await PutAsync(login, """{"submissionSenders":"ANY"}""", HttpStatusCode.OK);
        Assert.Equal("any", await SubmissionSendersAsync(login));
        Assert.True(await AcceptedAsync(policy, "alice@own.test", "someone", "other.test"));

        // A partial PUT of another member keeps the setting.
        await PutAsync(login, """{"authorisedIps":["10.0.0.7"]}""", HttpStatusCode.OK);
        Assert.Equal("any", await SubmissionSendersAsync(login));

        await PutAsync(login, """{"submissionSenders":"own"}""", HttpStatusCode.OK);
        Assert.Equal(NotOwned, await ReplyAsync(policy, "alice@own.test", "bob", "own.test"));
    }

    [Fact]
    public async Task PutRelay_UnknownSubmissionSenders_400ProblemAndNothingChanged()
    {
        await using var login = await LoginServer.StartAsync();
        await PutAsync(login, """{"submissionSenders":"domain"}""", HttpStatusCode.OK);

        foreach (var bad in new[] { "\"everyone\"", "\"\"", "\"1\"" })
        {
            using var response = await login.Server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json($$"""{"submissionSenders":{{bad}},"autoWhiteListRecipients":true}"""));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains("submissionSenders", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var get = JsonDocument.Parse(await login.Server.Admin.GetStringAsync("/api/v1/relay"));
        Assert.Equal("domain", get.RootElement.GetProperty("submissionSenders").GetString());
        Assert.False(get.RootElement.GetProperty("autoWhiteListRecipients").GetBoolean());
    }

    [Fact]
    public async Task RelayState_StoredBeforeSubmissionSendersExisted_ReadsAsOwn()
    {
        await using var login = await LoginServer.StartAsync();
        await login.Server.ProvisionAsync("alice@stale.test");
        await PutAsync(login, """{"submissionSenders":"any","authorisedIps":["10.0.0.7"]}""", HttpStatusCode.OK);

        await login.RestartAsync(db => LoginServer.EditState(db, "relay-policy", json =>
            Assert.True(json["settings"]!.AsObject().Remove("submissionSenders"), "the stored policy had submissionSenders")));

        using var get = JsonDocument.Parse(await login.Server.Admin.GetStringAsync("/api/v1/relay"));
        Assert.Equal("own", get.RootElement.GetProperty("submissionSenders").GetString());
        Assert.Equal("10.0.0.7", get.RootElement.GetProperty("authorisedIps")[0].GetString());
        Assert.Equal(NotOwned, await ReplyAsync(login.SenderPolicy(), "alice@stale.test", "bob", "stale.test"));
    }

    private static async Task<string?> SubmissionSendersAsync(LoginServer login)
    {
        using var get = JsonDocument.Parse(await login.Server.Admin.GetStringAsync("/api/v1/relay"));
        return get.RootElement.GetProperty("submissionSenders").GetString();
    }

    private static async Task PutAsync(LoginServer login, string body, HttpStatusCode expected)
    {
        using var response = await login.Server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json(body));
        Assert.Equal(expected, response.StatusCode);
    }

    private static async Task<bool> AcceptedAsync(ISenderPolicy policy, string? identity, string localPart, string domain)
    {
        var verdict = await CheckAsync(policy, identity, localPart, domain);
        Assert.True(verdict.Accepted, verdict.Reply + " " + verdict.Reason);
        Assert.Equal(250, verdict.Reply.Code);
        return verdict.Accepted;
    }

    private static async Task<string> ReplyAsync(ISenderPolicy policy, string? identity, string localPart, string domain)
    {
        var verdict = await CheckAsync(policy, identity, localPart, domain);
        Assert.False(verdict.Accepted);
        return $"{verdict.Reply.Code} {verdict.Reply.EnhancedCode} {string.Join(" ", verdict.Reply.Lines)}";
    }

    private static ValueTask<SenderVerdict> CheckAsync(ISenderPolicy policy, string? identity, string localPart, string domain)
    {
        var session = new SmtpSessionInfo("s1", IPAddress.Parse("192.0.2.10"), "client.example") { Tls = true, AuthenticatedIdentity = identity };
        var sender = localPart.Length == 0 ? SmtpPath.Null : new SmtpPath(new SmtpMailbox(localPart, domain));
        return policy.CheckSenderAsync(session, sender, default);
    }
}
