using System.Net;
using System.Net.Sockets;
using DnsClient;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Grains.Dns;
using EmailAI.Tests.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Authentication.Spf;

/// <summary>
/// check_host() and the receiver's identity rule against <see cref="FakeDnsServer"/>: the processing limits
/// (RFC 7208 §4.6.4), include and redirect (§5.2, §6.1), exp (§6.2), IPv6, DNS failures and the outcome's fields.
/// </summary>
public sealed class SpfCheckerTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    private static Task<SpfOutcome> CheckAsync(FakeDnsServer dns, string mailFrom = "alice@example.com", IPAddress? client = null, string? helo = "mx.client.example", string? receiver = null, TimeProvider? time = null) =>
        SpfTestChecker.Create(dns, receiver, time).CheckAsync(client ?? Client, helo, mailFrom);

    [Fact]
    public async Task Check_Ip4Match_FillsTheOutcome()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all");

        var outcome = await CheckAsync(dns, "Alice@Example.COM");

        Assert.Equal(new SpfOutcome(SpfResult.Pass, "mailfrom", "example.com", "Alice@Example.COM", null, "matched ip4:192.0.2.0/24 at Example.COM"), outcome);
    }

    [Fact]
    public async Task Check_NoRecord_IsNone()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "google-site-verification=abc").A("example.com", "192.0.2.10");

        var outcome = await CheckAsync(dns);

        Assert.Equal((SpfResult.None, "no SPF record at example.com"), (outcome.Result, outcome.Reason));
    }

    [Fact]
    public async Task Check_TwoRecords_IsPermError()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 +all").Txt("example.com", "v=spf1 -all");

        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns)).Result);
    }

    [Fact]
    public async Task Check_TxtServFail_IsTempError()
    {
        await using var dns = FakeDnsServer.Start().ServFail("example.com");

        var outcome = await CheckAsync(dns);

        Assert.Equal(SpfResult.TempError, outcome.Result);
        Assert.Contains("TXT example.com", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_TxtTimesOut_IsTempError()
    {
        await using var dns = FakeDnsServer.Start().Drop("example.com", QueryType.TXT);

        Assert.Equal(SpfResult.TempError, (await CheckAsync(dns)).Result);
    }

    [Fact]
    public async Task Check_MechanismLookupServFail_IsTempError()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 a:broken.example.net -all").ServFail("broken.example.net");

        Assert.Equal(SpfResult.TempError, (await CheckAsync(dns)).Result);
    }

    [Fact]
    public async Task Check_MechanismLookupTimesOut_IsTempError()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 mx -all").Drop("example.com", QueryType.MX);

        Assert.Equal(SpfResult.TempError, (await CheckAsync(dns)).Result);
    }

    [Theory]
    [InlineData(10, SpfResult.Fail)]
    [InlineData(11, SpfResult.PermError)]
    public async Task Check_Includes_TheEleventhIsPermError(int includes, SpfResult expected)
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("example.com", "v=spf1 " + string.Join(' ', Enumerable.Range(1, includes).Select(i => $"include:i{i}.example.net")) + " -all");
        for (var i = 1; i <= includes; i++)
        {
            dns.Txt($"i{i}.example.net", "v=spf1 ?all");
        }

        var outcome = await CheckAsync(dns);

        Assert.Equal(expected, outcome.Result);
        if (expected == SpfResult.PermError)
        {
            Assert.Contains("more than 10", outcome.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(2, SpfResult.Fail)]
    [InlineData(3, SpfResult.PermError)]
    public async Task Check_VoidLookups_TheThirdIsPermError(int voids, SpfResult expected)
    {
        await using var dns = FakeDnsServer.Start()
            .Txt("example.com", "v=spf1 " + string.Join(' ', Enumerable.Range(1, voids).Select(i => $"a:gone{i}.example.net")) + " -all")
            .NoData("gone2.example.net");

        var outcome = await CheckAsync(dns);

        Assert.Equal(expected, outcome.Result);
    }

    [Theory]
    [InlineData(10, SpfResult.Pass)]
    [InlineData(11, SpfResult.PermError)]
    public async Task Check_MxWithManyNames_MoreThanTenIsPermError(int names, SpfResult expected)
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 mx -all");
        for (var i = 1; i <= names; i++)
        {
            dns.Mx("example.com", (ushort)i, $"mx{i}.example.com").A($"mx{i}.example.com", i == names ? "192.0.2.10" : $"198.51.100.{i}");
        }

        Assert.Equal(expected, (await CheckAsync(dns)).Result);
    }

    [Fact]
    public async Task Check_PtrWithManyNames_OnlyTheFirstTenAreValidated()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 ptr -all");
        for (var i = 1; i <= 11; i++)
        {
            dns.PtrFor("192.0.2.10", $"h{i}.example.{(i == 11 ? "com" : "org")}").A($"h{i}.example.{(i == 11 ? "com" : "org")}", "192.0.2.10");
        }

        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns)).Result);
    }

    [Fact]
    public async Task Check_IncludeLoop_IsPermErrorByTheLookupLimit()
    {
        await using var dns = FakeDnsServer.Start()
            .Txt("example.com", "v=spf1 include:loop.example.net -all")
            .Txt("loop.example.net", "v=spf1 include:example.com");

        var outcome = await CheckAsync(dns);

        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("more than 10", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_IncludeOfItself_IsPermError()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 include:%{d} -all");

        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns)).Result);
    }

    [Theory]
    [InlineData("v=spf1 ?all", SpfResult.Fail)] // neutral: no match
    [InlineData("v=spf1 ~all", SpfResult.Fail)] // softfail: no match
    [InlineData("v=spf1 -all", SpfResult.Fail)] // fail: no match
    [InlineData("v=spf1 +all", SpfResult.Pass)] // pass: match
    [InlineData("v=spf1 a:%{z}", SpfResult.PermError)] // permerror
    [InlineData("no spf here", SpfResult.PermError)] // none: permerror
    public async Task Check_Include_MapsTheIncludedResult(string included, SpfResult expected)
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 include:inc.example.net -all").Txt("inc.example.net", included);

        Assert.Equal(expected, (await CheckAsync(dns)).Result);
    }

    [Fact]
    public async Task Check_IncludeTempError_IsTempError()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 include:inc.example.net -all").ServFail("inc.example.net");

        Assert.Equal(SpfResult.TempError, (await CheckAsync(dns)).Result);
    }

    [Fact]
    public async Task Check_Redirect_UsesTheTargetAndItsExplanation()
    {
        await using var dns = FakeDnsServer.Start()
            .Txt("example.com", "v=spf1 ip4:198.51.100.0/24 redirect=_spf.example.net exp=ours.example.com")
            .Txt("ours.example.com", "not this one")
            .Txt("_spf.example.net", "v=spf1 -all exp=theirs.example.net")
            .Txt("theirs.example.net", "%{d} refuses %{i}");

        var outcome = await CheckAsync(dns);

        Assert.Equal((SpfResult.Fail, "_spf.example.net refuses 192.0.2.10"), (outcome.Result, outcome.Explanation));
    }

    [Fact]
    public async Task Check_RedirectToNoRecord_IsPermError()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 redirect=nothing.example.net");

        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns)).Result);
    }

    [Fact]
    public async Task Check_FailWithExp_ExpandsClientReceiverAndTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        await using var dns = FakeDnsServer.Start()
            .Txt("example.com", "v=spf1 -all exp=why.%{d}")
            .Txt("why.example.com", "%{c} may not send as %{s} (%{r}, %{t})");

        var outcome = await CheckAsync(dns, receiver: "mx.receiver.example", time: time);

        Assert.Equal((SpfResult.Fail, "192.0.2.10 may not send as alice@example.com (mx.receiver.example, 1800000000)"), (outcome.Result, outcome.Explanation));
    }

    [Fact]
    public async Task Check_SoftFailWithExp_HasNoExplanation()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 ~all exp=why.example.com").Txt("why.example.com", "text");

        var outcome = await CheckAsync(dns);

        Assert.Equal((SpfResult.SoftFail, (string?)null), (outcome.Result, outcome.Explanation));
    }

    [Theory]
    [InlineData("servfail")]
    [InlineData("two")]
    [InlineData("macro")]
    [InlineData("missing")]
    public async Task Check_ExpUnusable_FailStandsWithoutExplanation(string trouble)
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 -all exp=why.example.com");
        _ = trouble switch
        {
            "servfail" => dns.ServFail("why.example.com"),
            "two" => dns.Txt("why.example.com", "one").Txt("why.example.com", "two"),
            "macro" => dns.Txt("why.example.com", "bad %{z} macro"),
            _ => dns,
        };

        var outcome = await CheckAsync(dns);

        Assert.Equal((SpfResult.Fail, (string?)null), (outcome.Result, outcome.Explanation));
    }

    [Theory]
    [InlineData("2001:db8:1::25", "v=spf1 ip6:2001:db8::/32 -all", SpfResult.Pass)]
    [InlineData("2001:db9::25", "v=spf1 ip6:2001:db8::/32 -all", SpfResult.Fail)]
    [InlineData("2001:db8::25", "v=spf1 ip4:192.0.2.0/24 -all", SpfResult.Fail)]
    [InlineData("2001:db8::25", "v=spf1 a -all", SpfResult.Pass)]
    [InlineData("2001:db8::26", "v=spf1 a -all", SpfResult.Fail)]
    [InlineData("2001:db8::ffff", "v=spf1 a//112 -all", SpfResult.Pass)]
    [InlineData("2001:db8::1:0", "v=spf1 a//112 -all", SpfResult.Fail)]
    [InlineData("192.0.2.200", "v=spf1 a/24//112 -all", SpfResult.Pass)]
    [InlineData("192.0.3.1", "v=spf1 a/24//112 -all", SpfResult.Fail)]
    [InlineData("2001:db8::abcd", "v=spf1 mx//64 -all", SpfResult.Pass)]
    [InlineData("::ffff:192.0.2.10", "v=spf1 ip4:192.0.2.10 -all", SpfResult.Pass)]
    [InlineData("::ffff:192.0.2.10", "v=spf1 a -all", SpfResult.Pass)]
    public async Task Check_AddressFamilies_MatchTheClientsFamily(string client, string record, SpfResult expected)
    {
        await using var dns = FakeDnsServer.Start()
            .Txt("example.com", record)
            .A("example.com", "192.0.2.10")
            .Aaaa("example.com", "2001:db8::25")
            .Mx("example.com", 10, "mx.example.com")
            .Aaaa("mx.example.com", "2001:db8::1");

        Assert.Equal(expected, (await CheckAsync(dns, client: IPAddress.Parse(client))).Result);
    }

    [Fact]
    public async Task Check_ExistsForIpv6Client_QueriesA()
    {
        await using var dns = FakeDnsServer.Start()
            .Txt("example.com", "v=spf1 exists:%{ir}.list.example.com -all")
            .A("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.list.example.com", "127.0.0.2");

        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, client: IPAddress.Parse("2001:db8::1"))).Result);
    }

    [Fact]
    public async Task Check_NullSender_ChecksHeloAsPostmaster()
    {
        await using var dns = FakeDnsServer.Start().Txt("mx.client.example", "v=spf1 a -all").A("mx.client.example", "192.0.2.10");

        var outcome = await CheckAsync(dns, "<>");

        Assert.Equal((SpfResult.Pass, "helo", "mx.client.example", "postmaster@mx.client.example"), (outcome.Result, outcome.Identity, outcome.Domain, outcome.Sender));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("localhost")]
    [InlineData("[192.0.2.10]")]
    [InlineData("192.0.2.10")]
    public async Task Check_NullSenderWithoutDomainHelo_IsNone(string? helo)
    {
        await using var dns = FakeDnsServer.Start();

        var outcome = await CheckAsync(dns, "", helo: helo);

        Assert.Equal((SpfResult.None, "helo"), (outcome.Result, outcome.Identity));
        Assert.Equal(0, dns.QueryCount);
    }

    [Fact]
    public async Task Check_SenderWithoutLocalPart_IsPostmaster()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "v=spf1 -all exp=why.example.com").Txt("why.example.com", "%{l} of %{o}");

        var outcome = await CheckAsync(dns, "@example.com");

        Assert.Equal(("postmaster@example.com", "postmaster of example.com"), (outcome.Sender, outcome.Explanation));
    }

    [Fact]
    public async Task Check_CaseInsensitive_MatchesWhateverTheCase()
    {
        await using var dns = FakeDnsServer.Start().Txt("example.com", "V=SpF1 IP4:192.0.2.10 -ALL");

        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "alice@EXAMPLE.com")).Result);
    }

    [Fact]
    public async Task Check_LongerThanTheBound_IsTempError()
    {
        var time = new FakeTimeProvider();
        var checker = new SpfChecker(new HangingDns(), time, NullLogger<SpfChecker>.Instance, timeout: TimeSpan.FromSeconds(20));

        var check = checker.CheckAsync(Client, null, "alice@example.com");
        time.Advance(TimeSpan.FromSeconds(19));
        Assert.False(check.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var outcome = await check.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(SpfResult.TempError, outcome.Result);
        Assert.Contains("20 s", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_CallerCancels_Throws()
    {
        var checker = new SpfChecker(new HangingDns(), TimeProvider.System, NullLogger<SpfChecker>.Instance);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => checker.CheckAsync(Client, null, "alice@example.com", cancel.Token));
    }

    /// <summary>A resolver that never answers until cancelled.</summary>
    private sealed class HangingDns : IDnsLookup
    {
        public async Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        public Task<DnsAnswer<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<DnsAnswer<MxHost>> MxAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
