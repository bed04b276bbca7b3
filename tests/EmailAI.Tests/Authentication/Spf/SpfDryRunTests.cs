using System.Text.Json;
using EmailAI.Tests.Location;

namespace EmailAI.Tests.Authentication.Spf;

/// <summary>
/// The admin's dry run <c>GET /api/v1/relay/check</c> with <c>helo=</c> and <c>from=</c>: the SPF result a message
/// from that client would get, checked by the silo over the configured resolver, next to the relay verdict.
/// </summary>
public sealed class SpfDryRunTests(SpfDryRunFixture fixture) : IClassFixture<SpfDryRunFixture>
{
    [Fact]
    public async Task Check_ClientOutsideTheSendersRecord_ReportsFailWithExplanation()
    {
        var check = await fixture.Server.CheckAsync("ip=203.0.113.9&helo=mx.elsewhere.example&from=alice@sender.example");

        var spf = check.GetProperty("spf");
        Assert.Equal("fail", spf.GetProperty("result").GetString());
        Assert.Equal("mailfrom", spf.GetProperty("identity").GetString());
        Assert.Equal("sender.example", spf.GetProperty("domain").GetString());
        Assert.Equal("alice@sender.example", spf.GetProperty("sender").GetString());
        Assert.Equal("matched -all at sender.example", spf.GetProperty("reason").GetString());
        Assert.Equal("203.0.113.9 is not a mail server of sender.example (asked by mx.e2e.test)", spf.GetProperty("explanation").GetString());
        Assert.Equal("203.0.113.9", check.GetProperty("ip").GetString());
        Assert.False(check.GetProperty("relay").GetProperty("authorised").GetBoolean());
    }

    [Fact]
    public async Task Check_ClientInsideTheSendersRecord_ReportsPass()
    {
        var check = await fixture.Server.CheckAsync("ip=192.0.2.77&from=%3Calice@sender.example%3E");

        var spf = check.GetProperty("spf");
        Assert.Equal("pass", spf.GetProperty("result").GetString());
        Assert.Equal("matched ip4:192.0.2.0/24 at sender.example", spf.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, spf.GetProperty("explanation").ValueKind);
    }

    [Theory]
    [InlineData("ip=198.51.100.25&helo=helo.example&from=%3C%3E", "pass")]
    [InlineData("ip=198.51.100.26&helo=helo.example", "fail")]
    public async Task Check_NullSenderOrHeloOnly_ChecksTheHeloIdentity(string query, string result)
    {
        var spf = (await fixture.Server.CheckAsync(query)).GetProperty("spf");

        Assert.Equal(result, spf.GetProperty("result").GetString());
        Assert.Equal("helo", spf.GetProperty("identity").GetString());
        Assert.Equal("postmaster@helo.example", spf.GetProperty("sender").GetString());
    }

    [Fact]
    public async Task Check_SenderDomainServFail_ReportsTempError()
    {
        var spf = (await fixture.Server.CheckAsync("ip=192.0.2.77&from=bob@broken.example")).GetProperty("spf");

        Assert.Equal("temperror", spf.GetProperty("result").GetString());
        Assert.Contains("broken.example", spf.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WithoutFromOrHelo_SpfIsNullAndNoLookup()
    {
        var before = fixture.Dns.Queries.Count(q => q.Name.Contains("sender.example", StringComparison.OrdinalIgnoreCase));

        var check = await fixture.Server.CheckAsync("ip=192.0.2.77");

        Assert.Equal(JsonValueKind.Null, check.GetProperty("spf").ValueKind);
        Assert.Equal("192.0.2.77", check.GetProperty("ip").GetString());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("outcome").ValueKind);
        Assert.Equal(before, fixture.Dns.Queries.Count(q => q.Name.Contains("sender.example", StringComparison.OrdinalIgnoreCase)));
    }
}
