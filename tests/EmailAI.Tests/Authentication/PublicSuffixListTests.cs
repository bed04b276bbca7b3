using EmailAI.Grains.Authentication;
using EmailAI.Grains.Authentication.Dmarc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmailAI.Tests.Authentication;

/// <summary>Organisational domains (RFC 7489 §3.2) from the Public Suffix List's rules, wildcards and exceptions.</summary>
public sealed class PublicSuffixListTests
{
    private const string Rules = """
        // ===BEGIN ICANN DOMAINS===
        com
        uk
        co.uk
        // a wildcard and its exception
        *.ck
        !www.ck
        // a deeper wildcard
        *.kawasaki.jp
        !city.kawasaki.jp
        jp
        // an IDN rule as a U-label
        公司.cn
        cn
        // ===END ICANN DOMAINS===
        // ===BEGIN PRIVATE DOMAINS===
        blogspot.com
        // ===END PRIVATE DOMAINS===
        """;

    private static readonly PublicSuffixList List = PublicSuffixList.Parse(Rules);

    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("a.b.example.com", "example.com")]
    [InlineData("EXAMPLE.COM", "example.com")]
    [InlineData("foo.bar.example.co.uk", "example.co.uk")]
    [InlineData("co.uk", "co.uk")]
    [InlineData("alice.blogspot.com", "alice.blogspot.com")]
    [InlineData("www.alice.blogspot.com", "alice.blogspot.com")]
    [InlineData("a.b.ck", "a.b.ck")]
    [InlineData("x.a.b.ck", "a.b.ck")]
    [InlineData("www.ck", "www.ck")]
    [InlineData("a.www.ck", "www.ck")]
    [InlineData("city.kawasaki.jp", "city.kawasaki.jp")]
    [InlineData("a.b.kawasaki.jp", "a.b.kawasaki.jp")]
    [InlineData("mail.example.unlisted", "example.unlisted")]
    [InlineData("mail.example.公司.cn", "example.xn--55qx5d.cn")]
    [InlineData("mail.example.xn--55qx5d.cn", "example.xn--55qx5d.cn")]
    [InlineData("example.com.", "example.com")]
    public void OrganizationalDomain_FollowsTheRules(string domain, string expected)
    {
        Assert.Equal(expected, List.OrganizationalDomain(domain));
    }

    [Fact]
    public void PublicSuffix_DefaultRule_IsTheLastLabel()
    {
        Assert.Equal("unlisted", List.PublicSuffix("a.b.unlisted"));
        Assert.Equal("b.ck", List.PublicSuffix("a.b.ck"));
    }

    [Fact]
    public void OrganizationalDomain_DebianList_FindsExampleCoUk()
    {
        const string Debian = "/usr/share/publicsuffix/public_suffix_list.dat";
        Assert.True(File.Exists(Debian), "the publicsuffix package is installed on this machine");
        var list = new PublicSuffixList(Options.Create(new AuthenticationOptions { PublicSuffixList = Debian }), NullLogger<PublicSuffixList>.Instance);

        Assert.True(list.IsLoaded);
        Assert.True(list.RuleCount > 5000);
        Assert.Equal("example.co.uk", list.OrganizationalDomain("foo.bar.example.co.uk"));
        Assert.Equal("example.com", list.OrganizationalDomain("mail.example.com"));
        Assert.Equal("someone.github.io", list.OrganizationalDomain("www.someone.github.io"));
    }

    [Fact]
    public void OrganizationalDomain_MissingFile_WarnsOnceAndComparesExactly()
    {
        var logger = new CountingLogger();
        var list = new PublicSuffixList(Options.Create(new AuthenticationOptions { PublicSuffixList = "/nonexistent/psl.dat" }), logger);

        Assert.False(list.IsLoaded);
        Assert.Equal(1, logger.Warnings);
        Assert.Equal("mail.example.com", list.OrganizationalDomain("Mail.Example.com"));
    }

    private sealed class CountingLogger : ILogger<PublicSuffixList>
    {
        public int Warnings { get; private set; }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Warnings += logLevel == LogLevel.Warning ? 1 : 0;
        }
    }
}
