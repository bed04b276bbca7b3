namespace EmailAI.Tests.EndToEnd;

/// <summary>The login cache must never outlive a password change or an account.</summary>
public sealed class Pop3AuthCacheTests
{
    [Fact]
    public async Task Login_AfterPasswordChange_OldPasswordRefusedNewAccepted()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string> { ["EmailAI:Pop3:AuthFailureDelay"] = "00:00:00" });
        const string alice = "alice@cache.pop3.test";
        await server.ProvisionAsync(alice, "old-password-1");

        // Twice with the old password: the second login is the one the cache answers.
        for (var i = 0; i < 2; i++)
        {
            using var client = await Pop3RawClient.ConnectAsync(server.Pop3Port);
            Assert.StartsWith("+OK", await client.TryLoginAsync(alice, "old-password-1"));
            Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
        }

        using (var change = await server.Admin.PutAsync($"/api/v1/accounts/{alice}", ServerProcess.Json("""{"password":"new-password-2"}""")))
        {
            change.EnsureSuccessStatusCode();
        }

        using (var client = await Pop3RawClient.ConnectAsync(server.Pop3Port))
        {
            Assert.Equal("-ERR [AUTH] Authentication failed", await client.TryLoginAsync(alice, "old-password-1"));
            Assert.StartsWith("+OK", await client.TryLoginAsync(alice, "new-password-2"));
        }

        using (var deleted = await server.Admin.DeleteAsync($"/api/v1/accounts/{alice}"))
        {
            deleted.EnsureSuccessStatusCode();
        }

        using (var client = await Pop3RawClient.ConnectAsync(server.Pop3Port))
        {
            Assert.Equal("-ERR [AUTH] Authentication failed", await client.TryLoginAsync(alice, "new-password-2"));
        }
    }
}
