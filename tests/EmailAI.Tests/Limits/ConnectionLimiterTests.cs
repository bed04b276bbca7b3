using System.Net;
using EmailAI.Gateway.Smtp;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Limits;

/// <summary>
/// <see cref="ConnectionLimiter"/>: the total, the count per client group and the rate per window, each at its edge;
/// exemptions of loopback and Authorised IP clients (never from the total); counts that always return to zero.
/// </summary>
public sealed class ConnectionLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private static SmtpOptions Limits(int total = 10, int perClient = 2, int rate = 0, bool exemptLoopback = false) => new()
    {
        MaxConnections = total,
        MaxConnectionsPerClient = perClient,
        MaxConnectionRatePerClient = rate,
        ConnectionRateWindow = Window,
        ExemptLoopback = exemptLoopback,
    };

    private static ConnectionLimiter NewLimiter(FakeAuthorisedClients? authorised = null, FakeTimeProvider? time = null, int maxRateEntries = ConnectionLimiter.MaxRateEntries) =>
        new(time ?? new FakeTimeProvider(), authorised ?? new FakeAuthorisedClients(), maxRateEntries);

    [Fact]
    public async Task AcquireAsync_AtPerClientLimit_RefusedOtherClientsStillServed()
    {
        var limiter = NewLimiter();
        var first = await limiter.AcquireAsync(A, Limits());
        Assert.True(first.Admitted);
        Assert.True((await limiter.AcquireAsync(A, Limits())).Admitted);

        Assert.Equal(ConnectionRefusal.PerClient, (await limiter.AcquireAsync(A, Limits())).Refusal);
        Assert.True((await limiter.AcquireAsync(B, Limits())).Admitted);
        Assert.Equal(3, limiter.Total);

        limiter.Release(first);
        Assert.True((await limiter.AcquireAsync(A, Limits())).Admitted);
    }

    [Fact]
    public async Task AcquireAsync_AtTotalLimit_RefusedEvenForExemptClients()
    {
        var authorised = new FakeAuthorisedClients(B);
        var limiter = NewLimiter(authorised);
        var limits = Limits(total: 2, perClient: 50, exemptLoopback: true);
        Assert.True((await limiter.AcquireAsync(A, limits)).Admitted);
        Assert.True((await limiter.AcquireAsync(IPAddress.Loopback, limits)).Admitted);

        Assert.Equal(ConnectionRefusal.Total, (await limiter.AcquireAsync(IPAddress.Loopback, limits)).Refusal);
        Assert.Equal(ConnectionRefusal.Total, (await limiter.AcquireAsync(B, limits)).Refusal);
        Assert.Equal(2, limiter.Total);
        Assert.Empty(authorised.Asked);
    }

    /// <summary>Regression: IPv6 clients were counted per address, so one host with a /64 was 2^64 clients.</summary>
    [Fact]
    public async Task AcquireAsync_Ipv6AddressesOfOneSlash64_CountedAsOneClient()
    {
        var limiter = NewLimiter();
        Assert.True((await limiter.AcquireAsync(IPAddress.Parse("2001:db8:1:2::1"), Limits())).Admitted);
        Assert.True((await limiter.AcquireAsync(IPAddress.Parse("2001:db8:1:2:ffff::9"), Limits())).Admitted);

        var third = await limiter.AcquireAsync(IPAddress.Parse("2001:db8:1:2:abcd:1234:5678:9abc"), Limits());

        Assert.Equal(ConnectionRefusal.PerClient, third.Refusal);
        Assert.Equal(IPAddress.Parse("2001:db8:1:2::"), third.Group);
        Assert.True((await limiter.AcquireAsync(IPAddress.Parse("2001:db8:1:3::1"), Limits())).Admitted);
    }

    [Fact]
    public async Task AcquireAsync_Ipv6PrefixLength128_CountsPerAddress()
    {
        var limiter = NewLimiter();
        var limits = Limits(perClient: 1);
        limits.ClientIpv6PrefixLength = 128;
        Assert.True((await limiter.AcquireAsync(IPAddress.Parse("2001:db8::1"), limits)).Admitted);
        Assert.True((await limiter.AcquireAsync(IPAddress.Parse("2001:db8::2"), limits)).Admitted);
        Assert.False((await limiter.AcquireAsync(IPAddress.Parse("2001:db8::2"), limits)).Admitted);
    }

    [Theory]
    [InlineData(200, "2001:db8::2", true)]
    [InlineData(-5, "2001:db9::1", false)]
    public async Task AcquireAsync_Ipv6PrefixLengthOutOfRange_TakenAsTheNearestEnd(int prefix, string second, bool admitted)
    {
        var limiter = NewLimiter();
        var limits = Limits(perClient: 1);
        limits.ClientIpv6PrefixLength = prefix;
        Assert.True((await limiter.AcquireAsync(IPAddress.Parse("2001:db8::1"), limits)).Admitted);

        Assert.Equal(admitted, (await limiter.AcquireAsync(IPAddress.Parse(second), limits)).Admitted);
    }

    [Fact]
    public async Task AcquireAsync_Ipv4MappedAndIpv4_CountedTogether()
    {
        var limiter = NewLimiter();
        Assert.True((await limiter.AcquireAsync(A, Limits())).Admitted);
        Assert.True((await limiter.AcquireAsync(A.MapToIPv6(), Limits())).Admitted);
        Assert.Equal(ConnectionRefusal.PerClient, (await limiter.AcquireAsync(A, Limits())).Refusal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.9")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task AcquireAsync_LoopbackOverPerClientLimitWithExemptLoopback_AdmittedAsExemptWithoutAsking(string address)
    {
        var authorised = new FakeAuthorisedClients();
        var limiter = NewLimiter(authorised);
        var client = IPAddress.Parse(address);
        var limits = Limits(perClient: 1, exemptLoopback: true);
        Assert.Equal(ConnectionExemption.None, (await limiter.AcquireAsync(client, limits)).Exemption);

        var admissions = new List<ConnectionAdmission>();
        for (var i = 0; i < 5; i++)
        {
            admissions.Add(await limiter.AcquireAsync(client, limits));
        }

        Assert.All(admissions, a => Assert.Equal((ConnectionRefusal.None, ConnectionExemption.Loopback), (a.Refusal, a.Exemption)));
        Assert.Empty(authorised.Asked);
        Assert.Equal(6, limiter.Total);
    }

    [Fact]
    public async Task AcquireAsync_LoopbackOverPerClientLimitWithoutExemptLoopback_Refused()
    {
        var limiter = NewLimiter();
        var limits = Limits(perClient: 1, exemptLoopback: false);
        Assert.True((await limiter.AcquireAsync(IPAddress.Loopback, limits)).Admitted);
        Assert.Equal(ConnectionRefusal.PerClient, (await limiter.AcquireAsync(IPAddress.Loopback, limits)).Refusal);
    }

    [Fact]
    public async Task AcquireAsync_AuthorisedClientOverPerClientLimit_AdmittedAndAskedOnlyOnceOver()
    {
        var authorised = new FakeAuthorisedClients(A);
        var limiter = NewLimiter(authorised);
        Assert.True((await limiter.AcquireAsync(A, Limits())).Admitted);
        Assert.True((await limiter.AcquireAsync(A, Limits())).Admitted);
        Assert.Empty(authorised.Asked);

        var third = await limiter.AcquireAsync(A, Limits());
        var overB = new[] { await limiter.AcquireAsync(B, Limits()), await limiter.AcquireAsync(B, Limits()), await limiter.AcquireAsync(B, Limits()) };

        Assert.Equal((ConnectionRefusal.None, ConnectionExemption.AuthorisedIp), (third.Refusal, third.Exemption));
        Assert.Equal(ConnectionRefusal.PerClient, overB[2].Refusal);
        Assert.Equal([A, B], authorised.Asked);
        Assert.Equal(5, limiter.Total);
    }

    /// <summary>Regression: an application server on the Authorised IP list opening 64 connections got 421 past 50.</summary>
    [Fact]
    public async Task AcquireAsync_AuthorisedClient64ConnectionsWithDefaults_AllAdmitted()
    {
        var limiter = NewLimiter(new FakeAuthorisedClients(A));
        var defaults = new SmtpOptions { ExemptLoopback = false };

        var admissions = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => limiter.AcquireAsync(A, defaults).AsTask()));

        Assert.All(admissions, a => Assert.True(a.Admitted));
        Assert.Equal(64, limiter.Total);
    }

    [Fact]
    public async Task AcquireAsync_RateAtLimit_FourthInTheWindowRefusedUntilTheWindowPasses()
    {
        var time = new FakeTimeProvider();
        var limiter = NewLimiter(time: time);
        var limits = Limits(perClient: 50, rate: 3);
        for (var i = 0; i < 3; i++)
        {
            var admitted = await limiter.AcquireAsync(A, limits);
            Assert.True(admitted.Admitted);
            limiter.Release(admitted);
            time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(ConnectionRefusal.Rate, (await limiter.AcquireAsync(A, limits)).Refusal);
        Assert.True((await limiter.AcquireAsync(B, limits)).Admitted);
        time.Advance(Window - TimeSpan.FromSeconds(30) - Tick);
        Assert.Equal(ConnectionRefusal.Rate, (await limiter.AcquireAsync(A, limits)).Refusal);

        time.Advance(Tick);
        Assert.True((await limiter.AcquireAsync(A, limits)).Admitted);
        Assert.Equal(2, limiter.ClientGroups);
    }

    [Fact]
    public async Task AcquireAsync_RefusedAttempts_CountTowardTheRate()
    {
        var time = new FakeTimeProvider();
        var limiter = NewLimiter(time: time);
        var limits = Limits(perClient: 1, rate: 3);
        var held = await limiter.AcquireAsync(A, limits);
        Assert.Equal(ConnectionRefusal.PerClient, (await limiter.AcquireAsync(A, limits)).Refusal);
        Assert.Equal(ConnectionRefusal.PerClient, (await limiter.AcquireAsync(A, limits)).Refusal);
        limiter.Release(held);

        Assert.Equal(ConnectionRefusal.Rate, (await limiter.AcquireAsync(A, limits)).Refusal);
    }

    [Fact]
    public async Task AcquireAsync_RateZero_NoRateLimitAndNothingTracked()
    {
        var limiter = NewLimiter();
        for (var i = 0; i < 1000; i++)
        {
            limiter.Release(await limiter.AcquireAsync(A, Limits(rate: 0)));
        }

        Assert.Equal(0, limiter.RateEntries);
    }

    [Fact]
    public async Task AcquireAsync_AuthorisedClientOverRate_Admitted()
    {
        var limiter = NewLimiter(new FakeAuthorisedClients(A));
        var limits = Limits(perClient: 50, rate: 1);
        limiter.Release(await limiter.AcquireAsync(A, limits));

        var second = await limiter.AcquireAsync(A, limits);

        Assert.Equal((ConnectionRefusal.None, ConnectionExemption.AuthorisedIp), (second.Refusal, second.Exemption));
    }

    [Fact]
    public async Task AcquireAsync_ManyClientGroups_RateTableBoundedAndExpiredEntriesDropped()
    {
        var time = new FakeTimeProvider();
        var limiter = NewLimiter(time: time, maxRateEntries: 10);
        var limits = Limits(perClient: 50, rate: 1);
        for (var i = 0; i < 30; i++)
        {
            limiter.Release(await limiter.AcquireAsync(IPAddress.Parse($"198.51.100.{i}"), limits));
        }

        Assert.Equal(10, limiter.RateEntries);
        // The ten tracked clients are still held to the rate; the untracked ones pass.
        Assert.Equal(ConnectionRefusal.Rate, (await limiter.AcquireAsync(IPAddress.Parse("198.51.100.0"), limits)).Refusal);

        time.Advance(Window);
        limiter.Release(await limiter.AcquireAsync(B, limits));

        Assert.Equal(1, limiter.RateEntries);
        Assert.Equal(0, limiter.Total);
        Assert.Equal(0, limiter.ClientGroups);
    }

    [Fact]
    public async Task AcquireRelease_FromManyThreads_CountsReturnToZero()
    {
        var limiter = NewLimiter(new FakeAuthorisedClients(B));
        var limits = Limits(total: 1000, perClient: 3, rate: 0, exemptLoopback: true);
        var clients = new[] { A, B, IPAddress.Loopback, IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2") };
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                var admission = await limiter.AcquireAsync(clients[(t + i) % clients.Length], limits);
                if (admission.Admitted)
                {
                    limiter.Release(admission);
                }
            }
        })));

        Assert.Equal(0, limiter.Total);
        Assert.Equal(0, limiter.ClientGroups);
        Assert.True((await limiter.AcquireAsync(A, Limits(perClient: 1))).Admitted);
    }

    [Fact]
    public async Task Release_OfARefusal_Throws()
    {
        var limiter = NewLimiter();
        var refused = await limiter.AcquireAsync(A, Limits(total: 0));

        Assert.Throws<ArgumentException>(() => limiter.Release(refused));
        Assert.Equal(0, limiter.Total);
    }
}
