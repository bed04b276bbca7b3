namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// The maildrop's exclusive lock (RFC 1939 §8 / RFC 2449 [IN-USE]) against the real server: a second
/// session is refused while the first holds it, and the lock is let go as soon as the first session ends,
/// whether by QUIT or by a dropped connection — long before its 1 min lease would run out.
/// </summary>
public sealed class Pop3LockTests(Pop3Fixture fixture) : IClassFixture<Pop3Fixture>
{
    /// <summary>Far below the default lock lease (1 min): a login within this proves release, not lease expiry.</summary>
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(10);

    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Login_MaildropLockedThenHolderQuits_SecondGetsInUseThenLogsInPromptly()
    {
        const string alice = "alice@quit.lock.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("lock1@quit.lock.pop3.test", "one", "body"), alice);

        using var first = await Pop3Steps.LoginAsync(Server, alice);
        using (var second = await Pop3RawClient.ConnectAsync(Server.Pop3Port))
        {
            Assert.StartsWith("-ERR [IN-USE]", await second.TryLoginAsync(alice, Pop3Steps.Password));

            // Still in AUTHORIZATION: no maildrop commands.
            Assert.StartsWith("-ERR", await second.CommandAsync("STAT"));
        }

        // The holder is not disturbed by the refused attempt.
        Assert.Equal(1, (await first.StatAsync()).Count);
        Assert.StartsWith("+OK", await first.CommandAsync("DELE 1"));
        await first.QuitAsync(1);

        using var third = await Pop3Steps.LoginWhenFreeAsync(Server, alice, Promptly);
        Assert.Equal(0, (await third.StatAsync()).Count);
        await third.QuitAsync(0);
    }

    [Fact]
    public async Task Login_HolderDisconnectsWithoutQuit_NewLoginSucceedsPromptly()
    {
        const string alice = "alice@drop.lock.pop3.test";
        await Server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(Server, Pop3Steps.Message("lock2@drop.lock.pop3.test", "one", "body"), alice);

        using (var first = await Pop3Steps.LoginAsync(Server, alice))
        {
            using var second = await Pop3RawClient.ConnectAsync(Server.Pop3Port);
            Assert.StartsWith("-ERR [IN-USE]", await second.TryLoginAsync(alice, Pop3Steps.Password));
            Assert.StartsWith("+OK", await first.CommandAsync("DELE 1"));
        }

        using var next = await Pop3Steps.LoginWhenFreeAsync(Server, alice, Promptly);
        Assert.Equal(1, (await next.StatAsync()).Count);
        await next.QuitAsync(0);
    }

    [Fact]
    public async Task Login_TwoAccounts_EachLockIsSeparate()
    {
        const string alice = "alice@pair.lock.pop3.test";
        const string carol = "carol@pair.lock.pop3.test";
        await Server.ProvisionAsync(alice);
        await Server.ProvisionAsync(carol);

        using var first = await Pop3Steps.LoginAsync(Server, alice);
        using var second = await Pop3Steps.LoginAsync(Server, carol);
        await first.QuitAsync(0);
        await second.QuitAsync(0);
    }

    [Fact]
    public async Task Login_SameAccountInOtherLetterCase_SecondGetsInUse()
    {
        const string alice = "alice@case.lock.pop3.test";
        await Server.ProvisionAsync(alice);

        using var first = await Pop3Steps.LoginAsync(Server, alice);
        using (var second = await Pop3RawClient.ConnectAsync(Server.Pop3Port))
        {
            Assert.StartsWith("-ERR [IN-USE]", await second.TryLoginAsync("Alice@CASE.lock.pop3.test", Pop3Steps.Password));
        }

        await first.QuitAsync(0);
        using var third = await Pop3Steps.LoginWhenFreeAsync(Server, "ALICE@case.lock.pop3.test", Promptly);
        await third.QuitAsync(0);
    }
}
