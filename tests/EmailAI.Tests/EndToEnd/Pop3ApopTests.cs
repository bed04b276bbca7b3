using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// APOP (RFC 1939 §7) on a server started with <c>EmailAI:Pop3:EnableApop=true</c>: the greeting carries a
/// fresh timestamp, and an account created while APOP is on logs in with MD5(timestamp + password).
/// (The server without APOP is covered in <see cref="Pop3ProtocolTests"/>.)
/// </summary>
public sealed partial class Pop3ApopTests(Pop3ApopFixture fixture) : IClassFixture<Pop3ApopFixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Greeting_ApopEnabled_EndsWithFreshMsgIdTimestamp()
    {
        using var first = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        using var second = await Pop3RawClient.ConnectAsync(Server.Pop3Port);

        var timestamp = Timestamp(first.Greeting);
        Assert.NotEqual(timestamp, Timestamp(second.Greeting));
    }

    [Fact]
    public async Task Apop_AccountCreatedAfterStart_LogsInWithDigest()
    {
        const string alice = "alice@apop.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("apop@apop.pop3.test", "apop", "body"), alice);

        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        var reply = await client.CommandAsync($"APOP {alice} {Digest(Timestamp(client.Greeting), Pop3Steps.Password)}");

        Assert.StartsWith("+OK", reply);
        Assert.Equal(1, (await client.StatAsync()).Count);
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task Apop_SecretAtRest_NeverInClearInTheDataDirectory()
    {
        const string alice = "alice@atrest.pop3.test";
        const string password = "a-distinctive-apop-secret-4711";
        await Server.ProvisionAsync(alice, password);

        using (var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port))
        {
            Assert.StartsWith("+OK", await client.CommandAsync($"APOP {alice} {Digest(Timestamp(client.Greeting), password)}"));
            await client.QuitAsync(0);
        }

        // Neither the database nor its WAL holds the secret as written (issue 12: it must be reversible, so it is
        // encrypted with EmailAI:Pop3:ApopSecretKey, not hashed).
        var needle = Encoding.UTF8.GetBytes(password);
        foreach (var file in Directory.EnumerateFiles(Server.DataDirectory, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var copy = new MemoryStream())
            {
                await stream.CopyToAsync(copy);
                bytes = copy.ToArray();
            }

            Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{file} holds the APOP secret in clear");
        }
    }

    [Fact]
    public async Task Start_ApopWithoutKey_RefusesToStartAndNamesTheKey()
    {
        await using var server = new ServerProcess(new Dictionary<string, string> { ["EmailAI:Pop3:EnableApop"] = "true" });
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(server.StartAsync);
        Assert.Contains("EmailAI:Pop3:ApopSecretKey", failure.Message);
    }

    [Fact]
    public async Task Apop_WrongDigest_Refused()
    {
        const string alice = "alice@wrongapop.pop3.test";
        await Server.ProvisionAsync(alice);

        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        var timestamp = Timestamp(client.Greeting);
        Assert.Equal("-ERR [AUTH] Authentication failed", await client.CommandAsync($"APOP {alice} {Digest(timestamp, "not-the-password")}"));
        Assert.Equal("-ERR [AUTH] Authentication failed", await client.CommandAsync($"APOP nobody@wrongapop.pop3.test {Digest(timestamp, Pop3Steps.Password)}"));
        Assert.StartsWith("-ERR", await client.CommandAsync("STAT"));

        // Still in AUTHORIZATION: the right digest works on the same connection.
        Assert.StartsWith("+OK", await client.CommandAsync($"APOP {alice} {Digest(timestamp, Pop3Steps.Password)}"));
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task Apop_DigestReplayedInAnotherSession_Refused()
    {
        const string alice = "alice@replay.pop3.test";
        await Server.ProvisionAsync(alice);

        string captured;
        using (var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port))
        {
            captured = $"APOP {alice} {Digest(Timestamp(client.Greeting), Pop3Steps.Password)}";
            Assert.StartsWith("+OK", await client.CommandAsync(captured));
            await client.QuitAsync(0);
        }

        using var replay = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
        Assert.Equal("-ERR [AUTH] Authentication failed", await replay.CommandAsync(captured));
    }

    [Fact]
    public async Task UserPass_ApopEnabled_StillWorks()
    {
        const string alice = "alice@userpass.apop.pop3.test";
        await Server.ProvisionAsync(alice);

        using var client = await Pop3Steps.LoginAsync(Server, alice);
        await client.QuitAsync(0);
    }

    private static string Timestamp(string greeting)
    {
        var match = TimestampPattern().Match(greeting);
        Assert.True(match.Success, $"no APOP timestamp at the end of the greeting: {greeting}");
        return match.Value;
    }

    /// <summary>RFC 1939 §7: lower-case hex MD5 of the timestamp (angle brackets included) followed by the secret.</summary>
    private static string Digest(string timestamp, string secret) =>
        Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(timestamp + secret))).ToLowerInvariant();

    [GeneratedRegex(@"<[^<>@\s]+@[^<>@\s]+>$")]
    private static partial Regex TimestampPattern();
}
