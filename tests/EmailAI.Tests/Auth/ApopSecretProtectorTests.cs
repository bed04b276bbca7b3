using EmailAI.Grains.Auth;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmailAI.Tests.Auth;

/// <summary>Issue 12: APOP secrets, which must be reversible, are encrypted at rest with the admin's key.</summary>
public sealed class ApopSecretProtectorTests
{
    private const string Key = "q8Vh3c0p2mJtq0m1pWl8b6cQ9qZy7s1c4Vx2n5Jr3aE=";

    private static ApopSecretProtector Protector(string? key = Key, string? file = null) =>
        new(Options.Create(new ApopSecretOptions { ApopSecretKey = key, ApopSecretKeyFile = file }), NullLogger<ApopSecretProtector>.Instance);

    [Fact]
    public void Protect_ThenUnprotect_SameSecretAndNeverTheClearText()
    {
        var protector = Protector();
        var stored = protector.Protect("alice@x.test", "secret-1234");

        Assert.DoesNotContain("secret-1234", stored);
        Assert.False(ApopSecretProtector.IsClear(stored));
        Assert.Equal("secret-1234", protector.Unprotect("alice@x.test", stored));
        Assert.NotEqual(stored, protector.Protect("alice@x.test", "secret-1234"));
    }

    [Fact]
    public void Unprotect_CopiedToAnotherAccountTamperedOrOtherKey_Null()
    {
        var protector = Protector();
        var stored = protector.Protect("alice@x.test", "secret-1234");

        Assert.Null(protector.Unprotect("mallory@x.test", stored));
        var bytes = Convert.FromBase64String(stored["aes256gcm:".Length..]);
        bytes[^1] ^= 1;
        Assert.Null(protector.Unprotect("alice@x.test", "aes256gcm:" + Convert.ToBase64String(bytes)));
        Assert.Null(protector.Unprotect("alice@x.test", "aes256gcm:not base64!"));
        Assert.Null(protector.Unprotect("alice@x.test", "aes256gcm:AAAA"));
        Assert.Null(Protector(Convert.ToBase64String(new byte[32])).Unprotect("alice@x.test", stored));
        Assert.Null(Protector(key: null).Unprotect("alice@x.test", stored));
    }

    [Fact]
    public void Unprotect_SecretKeptInClearByAnEarlierVersion_ReadAsItIs()
    {
        Assert.True(ApopSecretProtector.IsClear("old-clear-secret"));
        Assert.Equal("old-clear-secret", Protector().Unprotect("alice@x.test", "old-clear-secret"));
    }

    [Fact]
    public void Construct_NoKey_CannotProtect()
    {
        var protector = Protector(key: null);
        Assert.False(protector.HasKey);
        Assert.Throws<InvalidOperationException>(() => protector.Protect("alice@x.test", "secret"));
    }

    [Theory]
    [InlineData("not base64 at all")]
    [InlineData("AAAA")]
    public void Construct_BadKey_RefusedWithHowToMakeOne(string key)
    {
        var failure = Assert.Throws<InvalidOperationException>(() => Protector(key));
        Assert.Contains("openssl rand -base64 32", failure.Message);
    }

    [Fact]
    public void Construct_KeyFile_Read()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Key + "\n");
            var fromFile = Protector(key: null, file: file);
            Assert.Equal("s", fromFile.Unprotect("a@x.test", Protector().Protect("a@x.test", "s")));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
