using System.Diagnostics;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// Login protection of the POP3 server (the gateway's one login service, shared with SMTP AUTH): failures never
/// say whether the user exists; checks are counted per (login name, client IP) and per client IP in throttle
/// grains that reserve a slot before the password is checked, so the limit holds under concurrency; at a limit
/// the attempt is answered "too many failed logins" without a check, and never for the account's owner logging
/// in from another address; each failure is answered only after the configured delay. Every test starts its own
/// server so the counters of one test cannot leak into another; the client IP is varied by connecting from
/// different 127.0.0.0/8 source addresses.
/// </summary>
public sealed class Pop3LoginProtectionTests
{
    private const string AuthFailed = "-ERR [AUTH] Authentication failed";
    private const string Throttled = "-ERR [AUTH] Too many failed logins";

    private static readonly Dictionary<string, string> ThreeFailuresNoDelay = new()
    {
        ["EmailAI:Pop3:MaxAuthFailures"] = "3",
        ["EmailAI:Pop3:MaxAuthFailuresPerClient"] = "3",
        ["EmailAI:Pop3:AuthFailureDelay"] = "00:00:00",

        // These tests are about counting, not about the hashing bound: on a busy machine no check is turned away.
        ["EmailAI:Auth:HashSlotWait"] = "00:01:00",
    };

    [Fact]
    public async Task FailedLogin_UnknownUserAndWrongPassword_SameAuthReply()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string> { ["EmailAI:Pop3:AuthFailureDelay"] = "00:00:00", ["EmailAI:Auth:HashSlotWait"] = "00:01:00" });
        const string alice = "alice@same.pop3.test";
        await server.ProvisionAsync(alice);

        using var client = await Pop3RawClient.ConnectAsync(server.Pop3Port);
        var unknown = await client.TryLoginAsync("nobody@same.pop3.test", Pop3Steps.Password);
        var wrong = await client.TryLoginAsync(alice, "wrong-password");
        Assert.Equal(AuthFailed, unknown);
        Assert.Equal(AuthFailed, wrong);

        // The same over SASL PLAIN (RFC 5034, initial response on the AUTH line).
        Assert.Equal(AuthFailed, await client.CommandAsync("AUTH PLAIN " + Plain("nobody@same.pop3.test", Pop3Steps.Password)));
        Assert.Equal(AuthFailed, await client.CommandAsync("AUTH PLAIN " + Plain(alice, "wrong-password")));

        // Four failures are below the default limit (10): the right password still works on this connection.
        await client.LoginAsync(alice, Pop3Steps.Password);
        await client.QuitAsync(0);
    }

    /// <summary>
    /// Regression: ten wrong passwords from anywhere used to lock the real user out for good, because a
    /// per-account block was checked before the password. Now the attacker's address is throttled for that
    /// account (and, past its own limit, for every account), while the owner from another address gets in even
    /// as the attack goes on.
    /// </summary>
    [Fact]
    public async Task Login_AttackOnAccountFromOtherAddresses_OwnerFromHisAddressGetsIn()
    {
        await using var server = await ServerProcess.StartNewAsync(ThreeFailuresNoDelay);
        const string alice = "alice@account.throttle.pop3.test";
        const string carol = "carol@account.throttle.pop3.test";
        await server.ProvisionAsync(alice);
        await server.ProvisionAsync(carol);
        var attacker = Pop3Steps.Loopback(21);
        var owner = Pop3Steps.Loopback(22);

        using (var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, attacker))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(AuthFailed, await client.TryLoginAsync(alice, "wrong-password-" + i));
            }

            // The attacker's address reached the limit for alice: even her right password is not checked from it …
            Assert.StartsWith(Throttled, await client.TryLoginAsync(alice, Pop3Steps.Password));

            // … and it reached the per-address limit too: another account is refused from it.
            Assert.StartsWith(Throttled, await client.TryLoginAsync(carol, Pop3Steps.Password));
        }

        // The attack goes on from three more addresses while the owner logs in from his.
        using var stop = new CancellationTokenSource();
        var attack = Task.WhenAll(new[] { 23, 24, 25 }.Select(last => Task.Run(async () =>
        {
            var replies = new List<string>();
            using var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, Pop3Steps.Loopback(last));
            while (!stop.IsCancellationRequested)
            {
                replies.Add(await client.TryLoginAsync(alice, "guess-" + replies.Count));
            }

            return replies;
        })));
        for (var i = 0; i < 3; i++)
        {
            using var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, owner);
            await client.LoginAsync(alice, Pop3Steps.Password);
            await client.QuitAsync(0);
            using var sasl = await Pop3RawClient.ConnectAsync(server.Pop3Port, owner);
            Assert.StartsWith("+OK", await sasl.CommandAsync("AUTH PLAIN " + Plain(alice, Pop3Steps.Password)));
            await sasl.QuitAsync(0);
        }

        await stop.CancelAsync();
        var attempts = (await attack).SelectMany(r => r).ToList();

        // Each attacking address had at most its three checks for alice; the rest were throttled, never let in.
        Assert.All(attempts, reply => Assert.True(reply == AuthFailed || reply.StartsWith(Throttled, StringComparison.Ordinal), reply));
        Assert.True(attempts.Count(reply => reply == AuthFailed) <= 9, $"{attempts.Count(reply => reply == AuthFailed)} checks from three addresses with a limit of 3");
    }

    /// <summary>
    /// Regression: the check and the record of a failure were separate calls, and 200 simultaneous guesses from 4
    /// addresses got 199 password checks and no refusal; the right password as guess 151 logged in. Now a slot is
    /// reserved before each check: at most MaxAuthFailures (10) checks per (account, address) per window, counted
    /// here in the server's own metric of slow hashes run for logins.
    /// </summary>
    [Fact]
    public async Task Login_200SimultaneousGuessesFrom4Addresses_AtMostTheLimitOfChecksAndGuess151Throttled()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Pop3:AuthFailureDelay"] = "00:00:00",
            ["EmailAI:Pop3:MaxConnectionsPerClient"] = "100",
            ["EmailAI:Auth:HashSlotWait"] = "00:01:00",
        });
        const string alice = "alice@race.throttle.pop3.test";
        await server.ProvisionAsync(alice);
        var addresses = new[] { 61, 62, 63, 64 };
        var hashesBefore = await LoginHashesAsync(server);

        async Task<string> GuessAsync(int number, string password)
        {
            using var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, Pop3Steps.Loopback(addresses[number % addresses.Length]));
            return await client.TryLoginAsync(alice, password);
        }

        var first = await Task.WhenAll(Enumerable.Range(0, 150).Select(n => Task.Run(() => GuessAsync(n, "wrong-" + n))));
        var guess151 = await GuessAsync(150, Pop3Steps.Password);
        var rest = await Task.WhenAll(Enumerable.Range(151, 49).Select(n => Task.Run(() => GuessAsync(n, "wrong-" + n))));
        var replies = first.Concat(rest).ToList();
        var checks = await LoginHashesAsync(server) - hashesBefore;
        Console.WriteLine($"200 guesses: {replies.Count(r => r == AuthFailed)} checked and failed, {replies.Count(r => r.StartsWith(Throttled, StringComparison.Ordinal))} throttled; {checks} password hashes run; guess 151 (right password): {guess151}");

        Assert.StartsWith(Throttled, guess151);
        Assert.All(replies, reply => Assert.True(reply == AuthFailed || reply.StartsWith(Throttled, StringComparison.Ordinal), reply));
        Assert.Equal(40, replies.Count(reply => reply == AuthFailed));
        Assert.Equal(40, checks);

        // The gateway's login counter saw the same: one sample per attempt, by protocol, mechanism and result.
        var metrics = await server.Admin.GetStringAsync("/metrics");
        Assert.Equal(40, Auth.Metrics.Sum(metrics, "emailai_logins_total", "protocol=\"pop3\"", "mechanism=\"userpass\"", "result=\"failed\""));
        Assert.Equal(160, Auth.Metrics.Sum(metrics, "emailai_logins_total", "protocol=\"pop3\"", "mechanism=\"userpass\"", "result=\"throttled\""));

        // The owner from a fifth address is not affected.
        using var owner = await Pop3RawClient.ConnectAsync(server.Pop3Port, Pop3Steps.Loopback(65));
        await owner.LoginAsync(alice, Pop3Steps.Password);
        await owner.QuitAsync(0);
    }

    [Fact]
    public async Task Login_ThreeFailuresFromOneIpForUnknownUsers_ValidUserThrottledFromThatIpOnly()
    {
        await using var server = await ServerProcess.StartNewAsync(ThreeFailuresNoDelay);
        const string alice = "alice@ip.throttle.pop3.test";
        await server.ProvisionAsync(alice);
        var attacker = Pop3Steps.Loopback(31);
        var elsewhere = Pop3Steps.Loopback(32);

        using (var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, attacker))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(AuthFailed, await client.TryLoginAsync($"ghost{i}@ip.throttle.pop3.test", Pop3Steps.Password));
            }

            Assert.StartsWith(Throttled, await client.TryLoginAsync(alice, Pop3Steps.Password));
        }

        // A new connection from the same IP is refused as well.
        using (var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, attacker))
        {
            Assert.StartsWith(Throttled, await client.TryLoginAsync(alice, Pop3Steps.Password));
        }

        using (var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, elsewhere))
        {
            await client.LoginAsync(alice, Pop3Steps.Password);
            await client.QuitAsync(0);
        }
    }

    [Fact]
    public async Task FailedLogin_DefaultDelay_ErrAfterTwoSecondsWhileSuccessIsFast()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string> { ["EmailAI:Auth:HashSlotWait"] = "00:01:00" });
        const string alice = "alice@delay.pop3.test";
        await server.ProvisionAsync(alice);
        var minimum = TimeSpan.FromSeconds(1.5);

        using var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, Pop3Steps.Loopback(41));
        Assert.StartsWith("+OK", await client.CommandAsync("USER " + alice));
        var clock = Stopwatch.StartNew();
        Assert.Equal(AuthFailed, await client.CommandAsync("PASS wrong-password"));
        Assert.True(clock.Elapsed >= minimum, $"a wrong password was answered after {clock.Elapsed}");

        Assert.StartsWith("+OK", await client.CommandAsync("USER nobody@delay.pop3.test"));
        clock.Restart();
        Assert.Equal(AuthFailed, await client.CommandAsync("PASS wrong-password"));
        Assert.True(clock.Elapsed >= minimum, $"an unknown user was answered after {clock.Elapsed}");

        Assert.StartsWith("+OK", await client.CommandAsync("USER " + alice));
        clock.Restart();
        Assert.StartsWith("+OK", await client.CommandAsync("PASS " + Pop3Steps.Password));
        Assert.True(clock.Elapsed < minimum, $"a correct password was answered after {clock.Elapsed}");
        await client.QuitAsync(0);
    }

    [Fact]
    public async Task Login_ThrottledAddress_AllowedAgainOnceTheWindowHasPassed()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>(ThreeFailuresNoDelay)
        {
            // Long enough that three slow hashes on a busy machine (seen: over 2 s) fit inside it.
            ["EmailAI:Pop3:AuthFailureWindow"] = "00:00:10",
        });
        const string alice = "alice@window.throttle.pop3.test";
        await server.ProvisionAsync(alice);
        var from = Pop3Steps.Loopback(51);

        using (var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, from))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(AuthFailed, await client.TryLoginAsync(alice, "wrong-password-" + i));
            }

            Assert.StartsWith(Throttled, await client.TryLoginAsync(alice, Pop3Steps.Password));
        }

        // Failures older than the window are forgotten: poll until the correct password works.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, from);
            var reply = await client.TryLoginAsync(alice, Pop3Steps.Password);
            if (reply.StartsWith("+OK", StringComparison.Ordinal))
            {
                await client.QuitAsync(0);
                break;
            }

            Assert.StartsWith(Throttled, reply);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"still throttled {clock.Elapsed} after a 10 s window");
            await Task.Delay(200);
        }
    }

    /// <summary>Slow hashes the server ran for logins so far (emailai.auth.password_hashes, purpose login).</summary>
    private static async Task<double> LoginHashesAsync(ServerProcess server)
    {
        // The exporter serves a snapshot at most a moment old: wait until two reads agree.
        var previous = -1.0;
        while (true)
        {
            var text = await server.Admin.GetStringAsync("/metrics");
            var value = Auth.Metrics.Sum(text, "emailai_auth_password_hashes_total", "purpose=\"login\"", "result=\"hashed\"");
            if (value == previous)
            {
                return value;
            }

            previous = value;
            await Task.Delay(500);
        }
    }

    /// <summary>RFC 4616 PLAIN response: empty authzid, NUL, authcid, NUL, password, base64.</summary>
    private static string Plain(string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
}
