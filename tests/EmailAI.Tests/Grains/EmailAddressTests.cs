using EmailAI.Contracts;

namespace EmailAI.Tests.Grains;

public sealed class EmailAddressTests
{
    [Theory]
    [InlineData("Alice@Example.COM", "alice@example.com")]
    [InlineData("\"Alice\"@example.com", "alice@example.com")]
    [InlineData("\"al\\ice\"@example.com", "alice@example.com")]
    [InlineData("\"first.last\"@example.com", "first.last@example.com")]
    [InlineData("\"a b\"@example.com", "\"a b\"@example.com")]
    [InlineData("\"A@B\"@Example.com", "\"a@b\"@example.com")]
    [InlineData("bob@ＥＸＡＭＰＬＥ.com", "bob@example.com")]
    [InlineData("bob@bücher.example", "bob@xn--bcher-kva.example")]
    public void TryParse_Variants_OneNormalForm(string input, string expected)
    {
        Assert.True(EmailAddress.TryParse(input, out var address));
        Assert.Equal(expected, address.Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice")]
    [InlineData("@example.com")]
    [InlineData("alice@")]
    [InlineData("alice@[192.0.2.1]")]
    [InlineData("alice@192.0.2.1")]
    [InlineData("alice@example.com.")]
    [InlineData(".alice@example.com")]
    [InlineData("al..ice@example.com")]
    [InlineData("al ice@example.com")]
    [InlineData("\"unbalanced@example.com")]
    [InlineData("a\r\nb@example.com")]
    public void TryParse_Malformed_False(string input)
    {
        Assert.False(EmailAddress.TryParse(input, out _));
    }

    [Fact]
    public void TryParse_LocalPartAt64Octets_AcceptedAndOneMoreRefused()
    {
        Assert.True(EmailAddress.TryParse(new string('a', 64) + "@example.com", out _));
        Assert.False(EmailAddress.TryParse(new string('a', 65) + "@example.com", out _));

        // Octets, not characters: 32 two-octet letters fill the limit.
        Assert.True(EmailAddress.TryParse(new string('é', 32) + "@example.com", out _));
        Assert.False(EmailAddress.TryParse(new string('é', 33) + "@example.com", out _));
    }

    [Theory]
    [InlineData("\"alice\"@example.com")]
    [InlineData("\"a b\"@example.com")]
    public void TryParseAccount_QuotedLocalPart_False(string input)
    {
        Assert.True(EmailAddress.TryParse(input, out _));
        Assert.False(EmailAddress.TryParseAccount(input, out _));
    }

    [Fact]
    public void IsPlain_QuotedFormThatCannotBeUnquoted_False()
    {
        Assert.True(EmailAddress.TryParse("\"a b\"@example.com", out var quoted));
        Assert.False(quoted.IsPlain);
        Assert.True(EmailAddress.TryParse("\"ab\"@example.com", out var plain));
        Assert.True(plain.IsPlain);
    }

    [Fact]
    public void Equality_ByNormalForm()
    {
        Assert.True(EmailAddress.TryParse("Bob@Bücher.example", out var a));
        Assert.True(EmailAddress.TryParse("\"bob\"@XN--BCHER-KVA.example", out var b));
        Assert.Equal(a, b);
    }
}
