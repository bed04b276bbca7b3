using System.Diagnostics;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// Login protection of the POP3 server: failures never say whether the user exists, failures are counted
/// per account and per client IP (cluster-wide grains) and block further logins at the limit, and each
/// failure is answered only after the configured delay. Every test starts its own server so the counters of
/// one test cannot leak into another; the client IP is varied by connecting from different 127.0.0.0/8
/// source addresses.
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
    };

    [Fact]
    public async Task FailedLogin_UnknownUserAndWrongPassword_SameAuthReply()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string> { ["EmailAI:Pop3:AuthFailureDelay"] = "00:00:00" });
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

    [Fact]
    public async Task Login_ThreeFailuresForOneAccount_CorrectPasswordThrottledFromAnyIp()
    {
        await using var server = await ServerProcess.StartNewAsync(ThreeFailuresNoDelay);
        const string alice = "alice@account.throttle.pop3.test";
        const string carol = "carol@account.throttle.pop3.test";
        await server.ProvisionAsync(alice);
        await server.ProvisionAsync(carol);
        var attacker = Pop3Steps.Loopback(21);
        var elsewhere = Pop3Steps.Loopback(22);

        using (var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, attacker))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(AuthFailed, await client.TryLoginAsync(alice, "wrong-password-" + i));
            }

            Assert.StartsWith(Throttled, await client.TryLoginAsync(alice, Pop3Steps.Password));

            // The attacker's IP reached the limit too: another account is refused from it.
            Assert.StartsWith(Throttled, await client.TryLoginAsync(carol, Pop3Steps.Password));
        }

        using (var client = await Pop3RawClient.ConnectAsync(server.Pop3Port, elsewhere))
        {
            // The account is blocked wherever the login comes from …
            Assert.StartsWith(Throttled, await client.TryLoginAsync(alice, Pop3Steps.Password));
            Assert.StartsWith(Throttled, await client.CommandAsync("AUTH PLAIN " + Plain(alice, Pop3Steps.Password)));

            // … but that IP is not, and neither is another account.
            await client.LoginAsync(carol, Pop3Steps.Password);
            await client.QuitAsync(0);
        }
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
        await using var server = await ServerProcess.StartNewAsync();
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
    public async Task Login_BlockedAccount_AllowedAgainOnceTheWindowHasPassed()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>(ThreeFailuresNoDelay)
        {
            ["EmailAI:Pop3:AuthFailureWindow"] = "00:00:02",
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
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"still throttled {clock.Elapsed} after a 2 s window");
            await Task.Delay(200);
        }
    }

    /// <summary>RFC 4616 PLAIN response: empty authzid, NUL, authcid, NUL, password, base64.</summary>
    private static string Plain(string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
}
