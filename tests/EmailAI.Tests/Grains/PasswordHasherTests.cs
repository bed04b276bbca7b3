using EmailAI.Grains;

namespace EmailAI.Tests.Grains;

public sealed class PasswordHasherTests
{
    [Fact]
    public void Hash_SamePasswordTwice_DifferentSaltsBothVerify()
    {
        var first = PasswordHasher.Hash("correct horse");
        var second = PasswordHasher.Hash("correct horse");
        Assert.NotEqual(first, second);
        Assert.DoesNotContain("correct horse", first);
        Assert.StartsWith("pbkdf2-sha512$210000$", first);
        Assert.True(PasswordHasher.Verify("correct horse", first));
        Assert.True(PasswordHasher.Verify("correct horse", second));
    }

    [Theory]
    [InlineData("correct hors")]
    [InlineData("Correct horse")]
    [InlineData("")]
    public void Verify_WrongPassword_False(string attempt)
    {
        Assert.False(PasswordHasher.Verify(attempt, PasswordHasher.Hash("correct horse")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("md5$1$abc$def")]
    public void Verify_MissingOrForeignHash_False(string? stored)
    {
        Assert.False(PasswordHasher.Verify("not a real password", stored));
    }
}
