using System.Net;
using DnsClient;
using EmailAI.Contracts;
using EmailAI.Grains.Delivery;
using Microsoft.Extensions.Options;

namespace EmailAI.Tests.Routing;

/// <summary>
/// Where <see cref="DeliveryRouter"/> sends mail for a destination, answered by a real <see cref="LookupClient"/>
/// talking to <see cref="FakeDnsServer"/> over loopback: static routes, forward domains, then MX (RFC 5321 §5.1),
/// with the permanent (5xx) and temporary (4xx) outcomes a sender would see in a bounce or a retry.
/// Names are under .test and addresses in the documentation ranges (RFC 2606, RFC 5737, RFC 3849).
/// </summary>
public sealed class DeliveryRouterTests
{
    private const string Domain = "example.test";

    // Generous: the DNS client's own timeout is 2 s, and the machine may be busy with other test runs.
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    // ── MX ──────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Resolve_MxWithTwoPreferences_LowerPreferenceHostFirstWithAllItsAddresses()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 20, "mx2.example.test")
            .Mx(Domain, 10, "mx1.example.test")
            .A("mx1.example.test", "192.0.2.1", "192.0.2.2")
            .Aaaa("mx1.example.test", "2001:db8::1", "2001:db8::2")
            .A("mx2.example.test", "198.51.100.1")
            .Aaaa("mx2.example.test", "2001:db8::20");

        var route = await ResolveAsync(dns, Domain);

        Assert.Null(route.Failure);
        Assert.True(route.FromMx);
        Assert.Equal(
            [
                Target("mx1.example.test", "192.0.2.1"),
                Target("mx1.example.test", "192.0.2.2"),
                Target("mx1.example.test", "2001:db8::1"),
                Target("mx1.example.test", "2001:db8::2"),
                Target("mx2.example.test", "198.51.100.1"),
                Target("mx2.example.test", "2001:db8::20"),
            ],
            route.Targets);
    }

    [Fact]
    public async Task Resolve_MxExchangeInUpperCaseWithRootDot_HostNameWithoutTrailingDot()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "MX1.Example.TEST.")
            .A("mx1.example.test", "192.0.2.1");

        var route = await ResolveAsync(dns, Domain);

        Assert.Equal([Target("MX1.Example.TEST", "192.0.2.1")], route.Targets);
    }

    [Fact]
    public async Task Resolve_EqualPreferences_BothHostsBeforeTheBackupInEitherOrder()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "a.example.test")
            .Mx(Domain, 10, "b.example.test")
            .Mx(Domain, 5, "first.example.test")
            .Mx(Domain, 30, "backup.example.test")
            .A("first.example.test", "192.0.2.5")
            .A("a.example.test", "192.0.2.10")
            .A("b.example.test", "192.0.2.11")
            .A("backup.example.test", "192.0.2.30");

        // RFC 5321 §5.1: hosts of equal preference are tried in random order, so over 40 resolutions both
        // orders appear (each order has probability 1/2 per resolution).
        var orders = new HashSet<string>();
        for (var i = 0; i < 40; i++)
        {
            var route = await ResolveAsync(dns, Domain);
            var hosts = route.Targets.Select(t => t.Host).ToList();
            Assert.Equal(4, hosts.Count);
            Assert.Equal("first.example.test", hosts[0]);
            Assert.Equal(["a.example.test", "b.example.test"], hosts[1..3].Order());
            Assert.Equal("backup.example.test", hosts[3]);
            orders.Add(string.Join(",", hosts));
        }

        Assert.Equal(2, orders.Count);
    }

    [Fact]
    public async Task Resolve_SameExchangeTwice_ListedOnceAtItsBestPreference()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 30, "mx1.example.test")
            .Mx(Domain, 20, "mx2.example.test")
            .Mx(Domain, 10, "mx1.example.test")
            .A("mx1.example.test", "192.0.2.1")
            .A("mx2.example.test", "192.0.2.2");

        var route = await ResolveAsync(dns, Domain);

        Assert.Equal([Target("mx1.example.test", "192.0.2.1"), Target("mx2.example.test", "192.0.2.2")], route.Targets);
    }

    [Fact]
    public async Task Resolve_BestMxHostDoesNotExist_NextHostUsed()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "gone.example.test")
            .Mx(Domain, 20, "nodata.example.test")
            .Mx(Domain, 30, "mx3.example.test")
            .NoData("nodata.example.test")
            .A("mx3.example.test", "192.0.2.3");

        var route = await ResolveAsync(dns, Domain);

        Assert.Null(route.Failure);
        Assert.Equal([Target("mx3.example.test", "192.0.2.3")], route.Targets);
    }

    [Fact]
    public async Task Resolve_MxHostWithOnlyAaaa_Ipv6AddressUsed()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "v6.example.test")
            .Aaaa("v6.example.test", "2001:db8::25");

        var route = await ResolveAsync(dns, Domain);

        Assert.Equal([Target("v6.example.test", "2001:db8::25")], route.Targets);
    }

    [Fact]
    public async Task Resolve_NoMxHostHasAnAddress_Temporary451()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "gone.example.test")
            .Mx(Domain, 20, "nodata.example.test")
            .NoData("nodata.example.test");

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 451, "4.4.3");
    }

    [Fact]
    public async Task Resolve_NoMxButAddresses_ImplicitMxOnPort25()
    {
        // RFC 5321 §5.1: no MX records means the domain itself, treated as an MX of preference 0.
        await using var dns = FakeDnsServer.Start()
            .A(Domain, "192.0.2.80")
            .Aaaa(Domain, "2001:db8::80");

        var route = await ResolveAsync(dns, Domain);

        Assert.Null(route.Failure);
        Assert.True(route.FromMx);
        Assert.Equal([Target(Domain, "192.0.2.80"), Target(Domain, "2001:db8::80")], route.Targets);
        Assert.Equal([(Domain, QueryType.MX), (Domain, QueryType.A), (Domain, QueryType.AAAA)], dns.Queries.Select(q => (q.Name, q.Type)));
    }

    [Fact]
    public async Task Resolve_DomainDoesNotExist_Permanent550_5_1_2()
    {
        await using var dns = FakeDnsServer.Start().NxDomain(Domain);

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 550, "5.1.2");
        Assert.Equal(1, dns.QueryCount);
    }

    [Fact]
    public async Task Resolve_DomainWithNeitherMxNorAddress_Permanent550_5_1_2()
    {
        await using var dns = FakeDnsServer.Start().NoData(Domain);

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 550, "5.1.2");
    }

    [Fact]
    public async Task Resolve_NullMx_Permanent556_5_1_10()
    {
        // RFC 7505 §3: a single MX with preference 0 and the root as exchange: the domain accepts no mail.
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 0, ".")
            .A(Domain, "192.0.2.80");

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 556, "5.1.10");
        Assert.Equal(1, dns.QueryCount);
    }

    [Fact]
    public async Task Resolve_NullMxBesideARealMx_RealMxUsed()
    {
        // RFC 7505 §3: a null MX must be alone; beside others it is just an exchange with no address.
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 0, ".")
            .Mx(Domain, 10, "mx1.example.test")
            .A("mx1.example.test", "192.0.2.1");

        var route = await ResolveAsync(dns, Domain);

        Assert.Equal([Target("mx1.example.test", "192.0.2.1")], route.Targets);
    }

    [Fact]
    public async Task Resolve_MxLookupServFail_Temporary451_4_4_3()
    {
        await using var dns = FakeDnsServer.Start()
            .ServFail(Domain, QueryType.MX)
            .A(Domain, "192.0.2.80");

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 451, "4.4.3");
    }

    [Fact]
    public async Task Resolve_MxLookupTimesOut_Temporary451_4_4_3NotAnException()
    {
        await using var dns = FakeDnsServer.Start().Drop(Domain);

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 451, "4.4.3");
        Assert.True(dns.QueryCount >= 1);
    }

    [Fact]
    public async Task Resolve_OnlyMxHostAddressLookupsFail_Temporary451()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "mx1.example.test")
            .ServFail("mx1.example.test");

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 451, "4.4.3");
    }

    [Fact]
    public async Task Resolve_MxHostAddressLookupsTimeOut_Temporary451()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "mx1.example.test")
            .Drop("mx1.example.test");

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 451, "4.4.3");
    }

    [Fact]
    public async Task Resolve_AaaaServFailButAPresent_AddressesThatResolvedUsed()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "mx1.example.test")
            .A("mx1.example.test", "192.0.2.1")
            .ServFail("mx1.example.test", QueryType.AAAA);

        var route = await ResolveAsync(dns, Domain);

        Assert.Null(route.Failure);
        Assert.Equal([Target("mx1.example.test", "192.0.2.1")], route.Targets);
    }

    [Fact]
    public async Task Resolve_ImplicitMxAddressLookupFails_Temporary451()
    {
        await using var dns = FakeDnsServer.Start()
            .NoData(Domain, QueryType.MX)
            .ServFail(Domain, QueryType.A)
            .ServFail(Domain, QueryType.AAAA);

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 451, "4.4.3");
    }

    [Fact]
    public async Task Resolve_MxResolvesOnlyToLoopback_Permanent554_5_4_6()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "localhost.example.test")
            .A("localhost.example.test", "127.0.0.1", "127.0.1.1")
            .Aaaa("localhost.example.test", "::1");

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 554, "5.4.6");
    }

    [Fact]
    public async Task Resolve_ImplicitMxOnLoopback_Permanent554_5_4_6()
    {
        await using var dns = FakeDnsServer.Start().A(Domain, "127.0.0.1");

        var route = await ResolveAsync(dns, Domain);

        AssertFailure(route, 554, "5.4.6");
    }

    [Fact]
    public async Task Resolve_MxHostWithLoopbackAndRealAddresses_OnlyRealAddresses()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "mixed.example.test")
            .A("mixed.example.test", "127.0.0.1", "192.0.2.7")
            .Aaaa("mixed.example.test", "::1", "2001:db8::7");

        var route = await ResolveAsync(dns, Domain);

        Assert.Null(route.Failure);
        Assert.Equal([Target("mixed.example.test", "192.0.2.7"), Target("mixed.example.test", "2001:db8::7")], route.Targets);
    }

    [Fact]
    public async Task Resolve_BackupMxOnLoopback_OnlyTheRealMx()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "mx1.example.test")
            .Mx(Domain, 20, "loop.example.test")
            .A("mx1.example.test", "192.0.2.1")
            .A("loop.example.test", "127.0.0.1");

        var route = await ResolveAsync(dns, Domain);

        Assert.Equal([Target("mx1.example.test", "192.0.2.1")], route.Targets);
    }

    [Fact]
    public async Task Resolve_MxExchangeIsLoopbackLiteral_NoLoopbackTarget()
    {
        // RFC 5321 §5.1 / RFC 1035 §3.3.9: an MX exchange is a domain name, never an address; and the router's
        // contract is that MX-derived loopback addresses are dropped. Either way the result must not be 127.0.0.1.
        await using var dns = FakeDnsServer.Start().Mx(Domain, 10, "127.0.0.1");

        var route = await ResolveAsync(dns, Domain);

        Assert.DoesNotContain(route.Targets, t => IPAddress.IsLoopback(t.Address));
        Assert.NotNull(route.Failure);
    }

    [Fact]
    public async Task Resolve_MxHostOnUnspecifiedAddress_TreatedAsLoopback()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "sinkhole.example.test")
            .A("sinkhole.example.test", "0.0.0.0");

        var route = await ResolveAsync(dns, Domain);

        Assert.DoesNotContain(route.Targets, t => t.Address.Equals(IPAddress.Any));
        Assert.NotNull(route.Failure);
    }

    [Fact]
    public async Task Resolve_BestMxLookupFailsAndBackupOnLoopback_TemporaryFailure()
    {
        await using var dns = FakeDnsServer.Start()
            .Mx(Domain, 10, "mx1.example.test")
            .Mx(Domain, 20, "loop.example.test")
            .ServFail("mx1.example.test")
            .A("loop.example.test", "127.0.0.1");

        var route = await ResolveAsync(dns, Domain);

        Assert.Empty(route.Targets);
        Assert.NotNull(route.Failure);
        Assert.InRange(route.Failure.Code, 400, 499);
    }

    [Fact]
    public async Task Resolve_LargeMxSetTruncatedOverUdp_AllHostsFromTheTcpRetry()
    {
        // 24 exchanges of ~60 octets: far over 512 octets, so the UDP answer is truncated (RFC 1035 §4.2.1).
        const int count = 24;
        var dns = FakeDnsServer.Start();
        await using var _ = dns;
        for (var i = 0; i < count; i++)
        {
            var host = $"mx{i:00}.a-long-label-so-the-answer-does-not-fit-in-udp.example.test";
            dns.Mx(Domain, (ushort)(10 + i), host).A(host, $"192.0.2.{i + 1}");
        }

        var route = await ResolveAsync(dns, Domain);

        Assert.Null(route.Failure);
        Assert.Equal(Enumerable.Range(1, count).Select(i => IPAddress.Parse($"192.0.2.{i}")), route.Targets.Select(t => t.Address));
        Assert.Contains(dns.Queries, q => q is { Type: QueryType.MX, Tcp: true });
    }

    // ── Static routes ────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Resolve_StaticRouteHostPort_ResolvedThroughDnsWithoutMx()
    {
        await using var dns = FakeDnsServer.Start()
            .A("relay.test", "192.0.2.20")
            .Aaaa("relay.test", "2001:db8::20")
            .Mx(Domain, 10, "mx1.example.test");

        var route = await ResolveAsync(dns, Domain, routes: new() { [Domain] = "relay.test:2525" });

        Assert.Null(route.Failure);
        Assert.False(route.FromMx);
        Assert.Equal([Target("relay.test", "192.0.2.20", 2525), Target("relay.test", "2001:db8::20", 2525)], route.Targets);
        Assert.DoesNotContain(dns.Queries, q => q.Type == QueryType.MX);
    }

    [Fact]
    public async Task Resolve_StaticRouteHostWithoutPort_Port25()
    {
        await using var dns = FakeDnsServer.Start().A("relay.test", "192.0.2.20");

        var route = await ResolveAsync(dns, Domain, routes: new() { [Domain] = "relay.test" });

        Assert.Equal([Target("relay.test", "192.0.2.20")], route.Targets);
    }

    [Fact]
    public async Task Resolve_StaticRouteBracketedIpv6Loopback_UsedAsIsWithoutDns()
    {
        // A configured route may point at this host (a local content filter); only MX-derived loopback is a loop.
        await using var dns = FakeDnsServer.Start();

        var route = await ResolveAsync(dns, Domain, routes: new() { [Domain] = "[::1]:2525" });

        Assert.Null(route.Failure);
        Assert.False(route.FromMx);
        Assert.Equal([Target("::1", "::1", 2525)], route.Targets);
        Assert.Equal(0, dns.QueryCount);
    }

    [Fact]
    public async Task Resolve_StaticRouteToHostOnLoopback_Kept()
    {
        await using var dns = FakeDnsServer.Start().A("filter.test", "127.0.0.1");

        var route = await ResolveAsync(dns, Domain, routes: new() { [Domain] = "filter.test:10025" });

        Assert.Equal([Target("filter.test", "127.0.0.1", 10025)], route.Targets);
    }

    [Fact]
    public async Task Resolve_WildcardRoute_SmartHostForDomainsWithoutTheirOwnRoute()
    {
        await using var dns = FakeDnsServer.Start();
        var routes = new Dictionary<string, string> { ["*"] = "192.0.2.30:587", ["other.test"] = "192.0.2.31" };

        var route = await ResolveAsync(dns, Domain, routes);
        var other = await ResolveAsync(dns, "other.test", routes);

        Assert.Equal([Target("192.0.2.30", "192.0.2.30", 587)], route.Targets);
        Assert.Equal([Target("192.0.2.31", "192.0.2.31")], other.Targets);
        Assert.Equal(0, dns.QueryCount);
    }

    [Fact]
    public async Task Resolve_RouteKeyInOtherCase_Matches()
    {
        await using var dns = FakeDnsServer.Start();

        var route = await ResolveAsync(dns, "Example.TEST", routes: new() { [Domain] = "192.0.2.30" });

        Assert.Equal([Target("192.0.2.30", "192.0.2.30")], route.Targets);
    }

    [Fact]
    public async Task Resolve_StaticRouteNotHostPort_Temporary451_4_3_5()
    {
        await using var dns = FakeDnsServer.Start();

        var route = await ResolveAsync(dns, Domain, routes: new() { [Domain] = "relay.test:0" });

        AssertFailure(route, 451, "4.3.5");
        Assert.Equal(0, dns.QueryCount);
    }

    [Fact]
    public async Task Resolve_StaticRouteHostLookupFails_Temporary451()
    {
        await using var dns = FakeDnsServer.Start().ServFail("relay.test");

        var route = await ResolveAsync(dns, Domain, routes: new() { [Domain] = "relay.test:2525" });

        AssertFailure(route, 451, "4.4.3");
    }

    [Fact]
    public async Task Resolve_StaticRouteHostDoesNotExist_NoTargetsAndNoFailure()
    {
        // Pinned: the router gives neither hosts nor a reason; DeliveryGrain turns that into 451 4.4.3 (retry),
        // since a static route is configuration and its host may come back.
        await using var dns = FakeDnsServer.Start().NxDomain("relay.test");

        var route = await ResolveAsync(dns, Domain, routes: new() { [Domain] = "relay.test:2525" });

        Assert.Empty(route.Targets);
        Assert.Null(route.Failure);
    }

    // ── Forward domains (Advanced Delivery) ──────────────────────────────────────────────────────

    [Fact]
    public async Task Resolve_ForwardDomain_InternalHostPortWithoutDns()
    {
        await using var dns = FakeDnsServer.Start().Mx(Domain, 10, "mx1.example.test").A("mx1.example.test", "192.0.2.1");
        var asked = new List<string>();

        var route = await ResolveAsync(dns, Domain, local: domain =>
        {
            asked.Add(domain);
            return new DeliverySettings(DeliverySettings.Forward, "10.0.0.5", 2525);
        });

        Assert.Null(route.Failure);
        Assert.False(route.FromMx);
        Assert.Equal([Target("10.0.0.5", "10.0.0.5", 2525)], route.Targets);
        Assert.Equal([Domain], asked);
        Assert.Equal(0, dns.QueryCount);
    }

    [Fact]
    public async Task Resolve_ForwardDomainHostNameWithoutPort_ResolvedOnPort25WithoutMx()
    {
        await using var dns = FakeDnsServer.Start().A("exchange.internal.test", "10.0.0.6");

        var route = await ResolveAsync(dns, Domain, local: _ => new DeliverySettings(DeliverySettings.Forward, "exchange.internal.test"));

        Assert.Equal([Target("exchange.internal.test", "10.0.0.6")], route.Targets);
        Assert.DoesNotContain(dns.Queries, q => q.Type == QueryType.MX);
    }

    [Fact]
    public async Task Resolve_MailboxDomain_MxLookup()
    {
        await using var dns = FakeDnsServer.Start().Mx(Domain, 10, "mx1.example.test").A("mx1.example.test", "192.0.2.1");

        var mailbox = await ResolveAsync(dns, Domain, local: _ => DeliverySettings.MailboxDelivery);
        var unknown = await ResolveAsync(dns, Domain, local: _ => null);

        Assert.Equal([Target("mx1.example.test", "192.0.2.1")], mailbox.Targets);
        Assert.Equal([Target("mx1.example.test", "192.0.2.1")], unknown.Targets);
    }

    [Fact]
    public async Task Resolve_StaticRouteAndForwardDomain_StaticRouteWinsWithoutAskingTheDomain()
    {
        await using var dns = FakeDnsServer.Start();
        var asked = 0;

        var route = await ResolveAsync(dns, Domain, routes: new() { [Domain] = "192.0.2.40:2526" }, local: _ =>
        {
            asked++;
            return new DeliverySettings(DeliverySettings.Forward, "10.0.0.5", 2525);
        });

        Assert.Equal([Target("192.0.2.40", "192.0.2.40", 2526)], route.Targets);
        Assert.Equal(0, asked);
        Assert.Equal(0, dns.QueryCount);
    }

    // ── TryParseHostPort ─────────────────────────────────────────────────────────────────────────

    [Theory]
    [InlineData("relay.test", "relay.test", 25)]
    [InlineData("relay.test:2525", "relay.test", 2525)]
    [InlineData("  relay.test:2525 ", "relay.test", 2525)]
    [InlineData("192.0.2.1:1", "192.0.2.1", 1)]
    [InlineData("relay.test:65535", "relay.test", 65535)]
    [InlineData("relay.test:025", "relay.test", 25)]
    [InlineData("[::1]:2525", "::1", 2525)]
    [InlineData("[2001:db8::1]", "2001:db8::1", 25)]
    [InlineData("::1", "::1", 25)] // bare IPv6: more than one colon, so no port
    [InlineData("a:b:c", "a:b:c", 25)] // pinned: any text with two or more colons is taken whole as the host
    [InlineData("2001:db8::1:2525", "2001:db8::1:2525", 25)] // pinned: a bare IPv6 address cannot carry a port
    public void TryParseHostPort_Valid_HostAndPort(string text, string host, int port)
    {
        Assert.True(DeliveryRouter.TryParseHostPort(text, out var parsedHost, out var parsedPort));
        Assert.Equal(host, parsedHost);
        Assert.Equal(port, parsedPort);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(":25")]
    [InlineData("h:")]
    [InlineData("h:0")]
    [InlineData("h:70000")]
    [InlineData("h:65536")]
    [InlineData("h:-1")]
    [InlineData("h:+25")]
    [InlineData("h: 25")]
    [InlineData("h:25x")]
    [InlineData("h:99999999999")]
    [InlineData("[::1")]
    [InlineData("[::1]:")]
    [InlineData("[::1]2525")]
    [InlineData("[::1]:0")]
    [InlineData("[::1]:70000")]
    [InlineData("[]:25")]
    [InlineData("[]")]
    public void TryParseHostPort_Invalid_False(string text)
    {
        Assert.False(DeliveryRouter.TryParseHostPort(text, out _, out _));
    }

    // ── Helpers ──────────────────────────────────────────────────────────────────────────────────

    private static async Task<DeliveryRoute> ResolveAsync(
        FakeDnsServer dns,
        string destination,
        Dictionary<string, string>? routes = null,
        Func<string, DeliverySettings?>? local = null)
    {
        var options = new DeliveryOptions();
        foreach (var (domain, target) in routes ?? [])
        {
            options.Routes[domain] = target;
        }

        var lookup = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, dns.Port))
        {
            UseCache = false,
            Timeout = TimeSpan.FromSeconds(2),
            Retries = 0,
        });
        var router = new DeliveryRouter(Options.Create(options), domain => Task.FromResult(local?.Invoke(domain)), lookup);
        using var timeout = new CancellationTokenSource(TestTimeout);
        return await router.ResolveAsync(destination, timeout.Token);
    }

    private static DeliveryTarget Target(string host, string address, int port = DeliveryRouter.SmtpPort) => new(host, IPAddress.Parse(address), port);

    private static void AssertFailure(DeliveryRoute route, int code, string enhanced)
    {
        Assert.Empty(route.Targets);
        Assert.NotNull(route.Failure);
        Assert.Equal((code, enhanced), (route.Failure.Code, route.Failure.EnhancedCode));
    }
}
