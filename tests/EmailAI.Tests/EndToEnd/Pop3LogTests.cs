using System.Diagnostics;
using System.Text;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// What the server's log says about POP3 (issue 9 §4), read from the real process's console output: a login
/// only once the maildrop is locked, a refused login with why, client values escaped, a disconnect with the
/// session's counts.
/// </summary>
public sealed class Pop3LogTests(Pop3Fixture fixture) : IClassFixture<Pop3Fixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task User_TerminalEscapesNulAndDel_LoggedEscapedNeverRaw()
    {
        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port, Pop3Steps.Loopback(41));
        await client.SendAsync(Encoding.UTF8.GetBytes("USER \u001b[2J\u001b[31mFAKE\0\u007f\u009b\r\n"));
        Assert.Equal("+OK send PASS", await client.ReadLineAsync());

        Assert.StartsWith("-ERR [AUTH]", await client.CommandAsync("PASS guess"));

        await WaitForLogAsync(@"POP3 login refused: user=\x1B[2J\x1B[31mFAKE\x00\x7F\x9B from 127.0.0.41 via USER: wrong credentials");
        Assert.DoesNotContain("\u001b[2J", Server.Log, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', Server.Log);
    }

    [Fact]
    public async Task User_NotUtf8_RefusedAndNothingRawLogged()
    {
        using var client = await Pop3RawClient.ConnectAsync(Server.Pop3Port, Pop3Steps.Loopback(42));
        await client.SendAsync([.. "USER "u8, 0xff, 0x1b, 0xc3, 0x28, .. "\r\n"u8]);

        Assert.Equal("-ERR Unknown command", await client.ReadLineAsync());
        Assert.Equal("+OK bye", await client.CommandAsync("QUIT"));
        await WaitForLogAsync("POP3 disconnect from 127.0.0.42");
        Assert.DoesNotContain('\u001b', Server.Log);
    }

    [Fact]
    public async Task Login_MaildropLockedByAnother_LoggedAsRefusedNotAsLogin_DisconnectWithCounts()
    {
        const string alice = "alice@log.pop3.test";
        await Server.ProvisionAsync(alice);
        var message = Pop3Steps.Message("log@log.pop3.test", "log", "body");
        await Pop3Steps.DeliverAsync(Server, message, alice);
        var size = Assert.Single(await Pop3Steps.StoredAsync(Server, alice)).Size;

        using var holder = await Pop3Steps.LoginAsync(Server, alice, from: Pop3Steps.Loopback(43));
        using (var other = await Pop3RawClient.ConnectAsync(Server.Pop3Port, Pop3Steps.Loopback(44)))
        {
            Assert.StartsWith("-ERR [IN-USE]", await other.TryLoginAsync(alice, Pop3Steps.Password));
        }

        await WaitForLogAsync($"POP3 login refused: user={alice} from 127.0.0.44 via USER: maildrop locked by another session");
        Assert.Equal(1, Occurrences($"POP3 login user={alice} from"));
        Assert.Contains($"POP3 login user={alice} from 127.0.0.43 via USER: maildrop {alice} locked", Server.Log, StringComparison.Ordinal);

        Assert.StartsWith("+OK", (await holder.MultiLineCommandAsync("RETR 1")).Status);
        Assert.StartsWith("+OK", await holder.CommandAsync("DELE 1"));
        await holder.QuitAsync(1);
        await WaitForLogAsync($"POP3 disconnect from 127.0.0.43 (QUIT): retrieved=1 ({size} octets) deleted=1 sent=");
    }

    private int Occurrences(string text)
    {
        var log = Server.Log;
        var count = 0;
        for (var at = log.IndexOf(text, StringComparison.Ordinal); at >= 0; at = log.IndexOf(text, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private async Task WaitForLogAsync(string text)
    {
        var clock = Stopwatch.StartNew();
        while (!Server.Log.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"not in the log: {text}\n{Server.Log[^Math.Min(4000, Server.Log.Length)..]}");
            await Task.Delay(100);
        }
    }
}
