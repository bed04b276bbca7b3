using CsCheck;
using EmailAI.Contracts;

namespace EmailAI.Tests.Grains;

/// <summary>
/// Properties of the one address normalisation, over generated addresses rather than a list: the normal form is
/// a fixed point, and the spellings that name the same mailbox (case, quoting of a plain local part, full-width
/// letters in the domain, U-label or A-label) all reach it.
/// </summary>
public sealed class EmailAddressPropertyTests
{
    private static readonly Gen<string> Atom = Gen.String[Gen.Char["abcxyzABCXYZ0189!#$%&'*+-/=?^_`{|}~"], 1, 8];

    private static readonly Gen<string> DotString = Atom.Array[1, 3].Select(atoms => string.Join('.', atoms));

    private static readonly Gen<string> Label = Gen.Select(
        Gen.String[Gen.Char["abcmnoxyzABCMNOXYZ"], 1, 1],
        Gen.String[Gen.Char["abcxyzABCXYZ0189-\u00fc\u00e9\u00df"], 0, 10],
        Gen.String[Gen.Char["abcxyzABCXYZ09"], 1, 1],
        (first, middle, last) => first + middle + last);

    private static readonly Gen<string> Domain = Gen.Select(Label.Array[1, 3], Gen.OneOf<string>("com", "example", "test", "de"), (labels, tld) => string.Join('.', labels) + "." + tld);

    private static readonly Gen<string> Address = Gen.Select(DotString, Domain, (local, domain) => local + "@" + domain);

    [Fact]
    public void TryParse_NormalForm_IsAFixedPoint()
    {
        Address.Sample(text =>
        {
            if (EmailAddress.TryParse(text, out var address))
            {
                Assert.True(EmailAddress.TryParse(address.Key, out var again), address.Key);
                Assert.Equal(address.Key, again.Key);
                Assert.True(EmailAddress.TryNormalizeDomain(address.Domain, out var domain));
                Assert.Equal(address.Domain, domain);
            }
        });
    }

    [Fact]
    public void TryParse_CaseOfLocalPartAndDomain_DoesNotMatter()
    {
        Address.Sample(text =>
        {
            if (EmailAddress.TryParse(text, out var address))
            {
                Assert.True(EmailAddress.TryParse(text.ToUpperInvariant(), out var upper), text);
                Assert.Equal(address.Key, upper.Key);
            }
        });
    }

    [Fact]
    public void TryParse_QuotedPlainLocalPart_SameMailboxAsUnquoted()
    {
        Gen.Select(DotString, Domain).Sample((local, domain) =>
        {
            if (EmailAddress.TryParse(local + "@" + domain, out var plain))
            {
                // Inside quotes only '"' and '\' need escaping; a dot-string has neither.
                Assert.True(EmailAddress.TryParse("\"" + local + "\"@" + domain, out var quoted));
                Assert.Equal(plain.Key, quoted.Key);
                Assert.True(quoted.IsPlain);
            }
        });
    }

    [Fact]
    public void TryNormalizeDomain_FullWidthLettersAndALabel_SameKey()
    {
        Domain.Sample(domain =>
        {
            if (EmailAddress.TryNormalizeDomain(domain, out var key))
            {
                // U+FF01..U+FF5E are the full-width forms of '!'..'~'; UTS #46 maps them back.
                var fullWidth = string.Concat(domain.Select(c => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' ? (char)(c - '!' + '\uff01') : c));
                Assert.True(EmailAddress.TryNormalizeDomain(fullWidth, out var fromFullWidth), fullWidth);
                Assert.Equal(key, fromFullWidth);
                Assert.True(EmailAddress.TryNormalizeDomain(key.ToUpperInvariant(), out var fromALabel));
                Assert.Equal(key, fromALabel);
            }
        });
    }

    [Fact]
    public void TryParse_AnyString_NeverThrowsAndAcceptsOnlyValidForms()
    {
        Gen.String[Gen.Char["aZ09.@\"\\ -_[]:\u00fc\uff21\u3002\r\n\0"], 0, 40].Sample(text =>
        {
            if (EmailAddress.TryParse(text, out var address))
            {
                Assert.DoesNotContain('\r', address.Key);
                Assert.DoesNotContain('\n', address.Key);
                Assert.DoesNotContain('\0', address.Key);
                Assert.False(address.Domain.EndsWith('.'));
                Assert.Contains('.', address.Domain);
                Assert.True(System.Text.Ascii.IsValid(address.Domain), address.Domain);
            }
        });
    }

    [Fact]
    public void TryNormalizeDomain_PlainAsciiFastPath_AgreesWithIcu()
    {
        Gen.String[Gen.Char["abzABZ09-."], 1, 30].Sample(domain =>
        {
            if (EmailAddress.TryMapPlainAscii(domain, out var fast))
            {
                Assert.True(EmailAddress.TryMapWithIcu(domain, out var icu), domain);
                Assert.Equal(icu, fast);
            }
        });
        Domain.Sample(domain =>
        {
            if (EmailAddress.TryMapPlainAscii(domain, out var fast))
            {
                Assert.True(EmailAddress.TryMapWithIcu(domain, out var icu), domain);
                Assert.Equal(icu, fast);
            }
        });
    }
}
