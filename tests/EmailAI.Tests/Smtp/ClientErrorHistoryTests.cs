using System.Net;
using EmailAI.Gateway;
using EmailAI.Gateway.Smtp;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Smtp;

/// <summary>The gateway's per-client-group error history (what makes the tarpit per client) and <see cref="ClientGroup"/>.</summary>
public sealed class ClientErrorHistoryTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private readonly FakeTimeProvider _time = new(SmtpTestHarness.StartTime);

    private ClientErrorHistory Create(int capacity = 100) =>
        new(Options.Create(new SmtpOptions { ErrorHistoryWindow = Window, ErrorHistoryCapacity = capacity, ClientIpv6PrefixLength = 64 }), _time);

    private static void Record(IClientStanding standing, int errors)
    {
        for (var i = 0; i < errors; i++)
        {
            standing.RecordError();
        }
    }

    [Fact]
    public void PriorErrors_OtherSessionsOfTheSameAddress_CountedOwnNot()
    {
        var history = Create();
        var first = history.For(IPAddress.Parse("198.51.100.7"));
        var second = history.For(IPAddress.Parse("198.51.100.7"));
        var elsewhere = history.For(IPAddress.Parse("198.51.100.8"));

        Record(first, 4);
        Record(second, 1);

        Assert.Equal(1, first.PriorErrors);
        Assert.Equal(4, second.PriorErrors);
        Assert.Equal(0, elsewhere.PriorErrors);
        Assert.Equal(5, history.For(IPAddress.Parse("198.51.100.7")).PriorErrors);
    }

    [Fact]
    public void PriorErrors_JustInsideTheWindowCountedAtItsEndForgotten()
    {
        var history = Create();
        Record(history.For(IPAddress.Parse("198.51.100.7")), 3);
        var next = history.For(IPAddress.Parse("198.51.100.7"));

        _time.Advance(Window - TimeSpan.FromTicks(1));
        Assert.Equal(3, next.PriorErrors);
        _time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(0, next.PriorErrors);
        Assert.Equal(0, history.Count);
    }

    [Fact]
    public void PriorErrors_Ipv6SameSlash64_OneGroupOtherSlash64Apart()
    {
        var history = Create();
        Record(history.For(IPAddress.Parse("2001:db8:1:2::1")), 2);

        Assert.Equal(2, history.For(IPAddress.Parse("2001:db8:1:2:ffff::9")).PriorErrors);
        Assert.Equal(0, history.For(IPAddress.Parse("2001:db8:1:3::1")).PriorErrors);
    }

    [Fact]
    public void Capacity_OneGroupMoreThanItHolds_TheLeastRecentlyErringForgotten()
    {
        var history = Create(capacity: 2);
        Record(history.For(IPAddress.Parse("192.0.2.1")), 1);
        Record(history.For(IPAddress.Parse("192.0.2.2")), 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        Record(history.For(IPAddress.Parse("192.0.2.1")), 1);

        Record(history.For(IPAddress.Parse("192.0.2.3")), 1);

        Assert.Equal(2, history.Count);
        Assert.Equal(2, history.For(IPAddress.Parse("192.0.2.1")).PriorErrors);
        Assert.Equal(0, history.For(IPAddress.Parse("192.0.2.2")).PriorErrors);
        Assert.Equal(1, history.For(IPAddress.Parse("192.0.2.3")).PriorErrors);
    }

    [Fact]
    public void RecordDelivery_AfterErrors_TheGroupStartsAfresh()
    {
        var history = Create();
        var harvester = history.For(IPAddress.Parse("198.51.100.7"));
        Record(harvester, 5);

        harvester.RecordDelivery();

        Assert.Equal(0, history.For(IPAddress.Parse("198.51.100.7")).PriorErrors);
        Assert.Equal(0, history.Count);
        harvester.RecordError();
        Assert.Equal(1, history.For(IPAddress.Parse("198.51.100.7")).PriorErrors);
        Assert.Equal(0, harvester.PriorErrors);
    }

    [Fact]
    public void Errors_MoreThanAGroupKeeps_CountStopsAtTheCap()
    {
        var history = Create();
        Record(history.For(IPAddress.Parse("192.0.2.1")), ClientErrorHistory.MaxErrorsPerGroup + 5);

        Assert.Equal(ClientErrorHistory.MaxErrorsPerGroup, history.For(IPAddress.Parse("192.0.2.1")).PriorErrors);
    }

    [Theory]
    [InlineData("192.0.2.77", 64, "192.0.2.77")]
    [InlineData("::ffff:192.0.2.77", 64, "192.0.2.77")]
    [InlineData("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 64, "2001:db8:aaaa:bbbb::")]
    [InlineData("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 48, "2001:db8:aaaa::")]
    [InlineData("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 61, "2001:db8:aaaa:bbb8::")]
    [InlineData("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 128, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff")]
    [InlineData("2001:db8::1", 0, "::")]
    [InlineData("fe80::1%2", 64, "fe80::")]
    public void ClientGroup_Of_Ipv4ItselfIpv6ItsPrefix(string address, int prefix, string group)
    {
        Assert.Equal(IPAddress.Parse(group), ClientGroup.Of(IPAddress.Parse(address), prefix));
    }
}
