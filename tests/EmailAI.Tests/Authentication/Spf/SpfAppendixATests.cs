using System.Net;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Tests.Routing;

namespace EmailAI.Tests.Authentication.Spf;

/// <summary>
/// RFC 7208 Appendix A: the example zone (A.1) with each printed record and the hosts the RFC says pass or fail,
/// the multiple-domain example (A.2), the DNSBL-style example (A.3) and the multiple-requirements example (A.4).
/// </summary>
public sealed class SpfAppendixATests
{
    /// <summary>Appendix A's zone for example.com, example.org and the reverse names, with example.com's SPF record as given.</summary>
    private static FakeDnsServer Zone(string exampleComRecord)
    {
        var dns = FakeDnsServer.Start()
            .Mx("example.com", 10, "mail-a.example.com").Mx("example.com", 20, "mail-b.example.com")
            .A("example.com", "192.0.2.10", "192.0.2.11")
            .A("amy.example.com", "192.0.2.65")
            .A("bob.example.com", "192.0.2.66")
            .A("mail-a.example.com", "192.0.2.129")
            .A("mail-b.example.com", "192.0.2.130")
            .Mx("example.org", 10, "mail-c.example.org")
            .A("mail-c.example.org", "192.0.2.140")
            .PtrFor("192.0.2.10", "example.com")
            .PtrFor("192.0.2.65", "amy.example.com")
            .PtrFor("192.0.2.66", "bob.example.com")
            .PtrFor("192.0.2.129", "mail-a.example.com")
            .PtrFor("192.0.2.130", "mail-b.example.com")
            .PtrFor("192.0.2.140", "mail-c.example.org")
            .PtrFor("10.0.0.4", "bob.example.com");
        return dns.Txt("example.com", exampleComRecord);
    }

    [Theory]
    [InlineData("v=spf1 +all", "192.0.2.10", SpfResult.Pass)]
    [InlineData("v=spf1 +all", "198.51.100.1", SpfResult.Pass)]
    [InlineData("v=spf1 a -all", "192.0.2.10", SpfResult.Pass)]
    [InlineData("v=spf1 a -all", "192.0.2.11", SpfResult.Pass)]
    [InlineData("v=spf1 a -all", "192.0.2.65", SpfResult.Fail)]
    [InlineData("v=spf1 a:example.org -all", "192.0.2.10", SpfResult.Fail)]
    [InlineData("v=spf1 a:example.org -all", "192.0.2.140", SpfResult.Fail)]
    [InlineData("v=spf1 mx -all", "192.0.2.129", SpfResult.Pass)]
    [InlineData("v=spf1 mx -all", "192.0.2.130", SpfResult.Pass)]
    [InlineData("v=spf1 mx -all", "192.0.2.140", SpfResult.Fail)]
    [InlineData("v=spf1 mx:example.org -all", "192.0.2.140", SpfResult.Pass)]
    [InlineData("v=spf1 mx:example.org -all", "192.0.2.129", SpfResult.Fail)]
    [InlineData("v=spf1 mx mx:example.org -all", "192.0.2.129", SpfResult.Pass)]
    [InlineData("v=spf1 mx mx:example.org -all", "192.0.2.130", SpfResult.Pass)]
    [InlineData("v=spf1 mx mx:example.org -all", "192.0.2.140", SpfResult.Pass)]
    [InlineData("v=spf1 mx mx:example.org -all", "192.0.2.10", SpfResult.Fail)]
    [InlineData("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131", SpfResult.Pass)]
    [InlineData("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.143", SpfResult.Pass)]
    [InlineData("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.132", SpfResult.Fail)]
    [InlineData("v=spf1 ptr -all", "192.0.2.65", SpfResult.Pass)]
    [InlineData("v=spf1 ptr -all", "192.0.2.140", SpfResult.Fail)]
    [InlineData("v=spf1 ptr -all", "10.0.0.4", SpfResult.Fail)]
    [InlineData("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.65", SpfResult.Fail)]
    [InlineData("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.129", SpfResult.Pass)]
    public async Task SimpleExamples_A1_GiveTheRfcResult(string record, string client, SpfResult expected)
    {
        await using var dns = Zone(record);
        var outcome = await SpfTestChecker.Create(dns).CheckAsync(IPAddress.Parse(client), "helo.example.net", "joe@example.com");
        Assert.Equal(expected, outcome.Result);
    }

    [Theory]
    [InlineData("192.0.2.129", SpfResult.Pass)] // example.com's MX, through include:example.com
    [InlineData("198.51.100.7", SpfResult.Pass)] // example.net's range, through include:example.net
    [InlineData("192.0.2.140", SpfResult.Fail)]
    public async Task MultipleDomains_A2_IncludesBothAndRedirects(string client, SpfResult expected)
    {
        await using var dns = Zone("v=spf1 mx -all")
            .Txt("example.org", "v=spf1 include:example.com include:example.net -all")
            .Txt("la.example.org", "v=spf1 redirect=example.org")
            .Txt("example.net", "v=spf1 ip4:198.51.100.0/24 -all");
        var checker = SpfTestChecker.Create(dns);

        Assert.Equal(expected, (await checker.CheckAsync(IPAddress.Parse(client), null, "a@example.org")).Result);
        Assert.Equal(expected, (await checker.CheckAsync(IPAddress.Parse(client), null, "a@la.example.org")).Result);
    }

    [Theory]
    [InlineData("mary", "198.51.100.9", SpfResult.Pass)]
    [InlineData("fred", "198.51.100.9", SpfResult.Pass)]
    [InlineData("fred+wildcard", "198.51.100.9", SpfResult.Pass)]
    [InlineData("joel", "198.51.100.9", SpfResult.Fail)]
    [InlineData("joel", "192.168.15.15", SpfResult.Pass)]
    [InlineData("joel", "192.168.15.16", SpfResult.Pass)]
    [InlineData("joel", "192.168.15.17", SpfResult.Fail)]
    [InlineData("other", "192.168.15.15", SpfResult.Fail)]
    [InlineData("other", "192.0.2.129", SpfResult.Pass)]
    public async Task DnsblStyle_A3_UsersPassFromTheirHosts(string user, string client, SpfResult expected)
    {
        await using var dns = Zone("v=spf1 mx include:mobile-users._spf.%{d} include:remote-users._spf.%{d} -all")
            .Txt("mobile-users._spf.example.com", "v=spf1 exists:%{l1r+}.%{d}")
            .Txt("remote-users._spf.example.com", "v=spf1 exists:%{ir}.%{l1r+}.%{d}")
            .A("mary.mobile-users._spf.example.com", "127.0.0.2")
            .A("fred.mobile-users._spf.example.com", "127.0.0.2")
            .A("15.15.168.192.joel.remote-users._spf.example.com", "127.0.0.2")
            .A("16.15.168.192.joel.remote-users._spf.example.com", "127.0.0.2");

        var outcome = await SpfTestChecker.Create(dns).CheckAsync(IPAddress.Parse(client), null, $"{user}@example.com");

        Assert.Equal(expected, outcome.Result);
    }

    [Theory]
    [InlineData("192.0.2.65", "v=spf1 -ptr:example.com +all", SpfResult.Pass)] // in the range and named in example.com
    [InlineData("192.0.2.140", "v=spf1 -ptr:example.com +all", SpfResult.Fail)] // in the range, named in example.org
    [InlineData("10.0.0.4", "v=spf1 -ptr:example.com +all", SpfResult.Fail)] // outside the range
    [InlineData("192.0.2.65", "v=spf1 -ptr +all", SpfResult.Fail)] // as printed: ptr defaults to ptr._spf.example.com, so no host passes
    public async Task MultipleRequirements_A4_BothMustHold(string client, string ptrRecord, SpfResult expected)
    {
        await using var dns = Zone("v=spf1 -include:ip4._spf.%{d} -include:ptr._spf.%{d} +all")
            .Txt("ip4._spf.example.com", "v=spf1 -ip4:192.0.2.0/24 +all")
            .Txt("ptr._spf.example.com", ptrRecord);

        var outcome = await SpfTestChecker.Create(dns).CheckAsync(IPAddress.Parse(client), null, "joe@example.com");

        Assert.Equal(expected, outcome.Result);
    }
}
