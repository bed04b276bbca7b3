using System.Net;
using System.Text.Json;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Location;

/// <summary>
/// The dry run <c>GET /api/v1/relay/check</c>: what the server would answer a client from <c>ip</c> at RCPT, with
/// the country, the location rule that decides, the Authorised IP list's say, the reply line and a reason, and
/// nothing sent or stored.
/// </summary>
[Collection(LocationCollection.Name)]
public sealed class LocationCheckApiTests(LocationFixture fixture) : LocationPolicyTest(fixture)
{
    [Fact]
    public async Task Check_BlockedCountryToLocalAccount_Reject550WithRuleAndNothingStored()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"]));
        var stored = (await SmtpConversation.ReadMaildropAsync(Server, LocationFixture.Alice)).Count;

        var check = await Server.CheckAsync($"ip=127.0.1.5&to={LocationFixture.Alice}&helo=mx.far.example&from=someone@far.example");

        Assert.Equal("127.0.1.5", check.GetProperty("ip").GetString());
        Assert.Equal("KP", check.GetProperty("country").GetString());
        Assert.True(check.GetProperty("database").GetBoolean());
        var location = check.GetProperty("location");
        Assert.True(location.GetProperty("blocked").GetBoolean());
        Assert.Equal("blockedCountries", location.GetProperty("rule").GetString());
        Assert.Equal(JsonValueKind.Null, location.GetProperty("exemption").ValueKind);
        Assert.False(check.GetProperty("relay").GetProperty("authorised").GetBoolean());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("relay").GetProperty("matchedEntry").ValueKind);
        Assert.Equal(LocationFixture.Alice, check.GetProperty("recipient").GetString());
        Assert.Equal("reject", check.GetProperty("outcome").GetString());
        AssertReply(check, 550, "5.7.1", LocationSteps.Message);
        Assert.False(string.IsNullOrWhiteSpace(check.GetProperty("reason").GetString()));
        Assert.Equal(stored, (await SmtpConversation.ReadMaildropAsync(Server, LocationFixture.Alice)).Count);
    }

    public static TheoryData<string, string, string> BlockingRules() => new()
    {
        { LocationSteps.Policy(blockedRanges: ["127.0.4.%"]), "127.0.4.5", "blockedRanges" },
        { LocationSteps.Policy(allowedCountries: ["DE"]), "127.0.1.5", "allowedCountries" },
        { LocationSteps.Policy(blockUnknown: true), "127.0.3.5", "blockUnknown" },
        { LocationSteps.Policy(blockedCountries: ["US"]), "::1", "blockedCountries" },
    };

    [Theory]
    [MemberData(nameof(BlockingRules))]
    public async Task Check_AddressBlockedByRule_NamesTheRule(string policy, string ip, string rule)
    {
        await Server.PutRelayAsync(policy);

        var check = await Server.CheckAsync($"ip={Uri.EscapeDataString(ip)}&to={LocationFixture.Alice}");

        Assert.Equal(rule, check.GetProperty("location").GetProperty("rule").GetString());
        Assert.Equal("reject", check.GetProperty("outcome").GetString());
        AssertReply(check, 550, "5.7.1", LocationSteps.Message);
    }

    [Fact]
    public async Task Check_AllowedClientToLocalAccount_Accept250()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"]));

        var check = await Server.CheckAsync($"ip=127.0.2.5&to={LocationFixture.Alice}");

        Assert.Equal("DE", check.GetProperty("country").GetString());
        Assert.False(check.GetProperty("location").GetProperty("blocked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("location").GetProperty("rule").ValueKind);
        Assert.Equal("accept", check.GetProperty("outcome").GetString());
        AssertReply(check, 250, "2.1.5", null);
    }

    [Fact]
    public async Task Check_UnknownAddress_CountryNullNotBlocked()
    {
        var check = await Server.CheckAsync($"ip=127.0.3.5&to={LocationFixture.Alice}");

        Assert.Equal(JsonValueKind.Null, check.GetProperty("country").ValueKind);
        Assert.True(check.GetProperty("database").GetBoolean());
        Assert.False(check.GetProperty("location").GetProperty("blocked").GetBoolean());
        Assert.Equal("accept", check.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Check_AllowedUnauthorisedClientToRemoteRecipient_RelayDenied554()
    {
        var check = await Server.CheckAsync("ip=127.0.2.5&to=someone@far-away.example");

        Assert.False(check.GetProperty("location").GetProperty("blocked").GetBoolean());
        Assert.False(check.GetProperty("relay").GetProperty("authorised").GetBoolean());
        Assert.Equal("reject", check.GetProperty("outcome").GetString());
        AssertReply(check, 554, "5.7.1", null);
        Assert.Equal(JsonValueKind.Null, check.GetProperty("location").GetProperty("rule").ValueKind);
    }

    [Fact]
    public async Task Check_AuthorisedClientFromBlockedCountry_ExemptAndRelayed()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"], authorisedIps: ["127.0.1.%"]));

        var check = await Server.CheckAsync("ip=127.0.1.5&to=someone@far-away.example");

        Assert.Equal("KP", check.GetProperty("country").GetString());
        var location = check.GetProperty("location");
        Assert.False(location.GetProperty("blocked").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(location.GetProperty("exemption").GetString()));
        Assert.True(check.GetProperty("relay").GetProperty("authorised").GetBoolean());
        Assert.Equal("127.0.1.%", check.GetProperty("relay").GetProperty("matchedEntry").GetString());
        Assert.Equal("accept", check.GetProperty("outcome").GetString());
        AssertReply(check, 250, null, null);
    }

    [Fact]
    public async Task Check_WithoutRecipient_ReplyOnlyWhenTheLocationBlocks()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"]));

        var allowed = await Server.CheckAsync("ip=127.0.2.5");
        var blocked = await Server.CheckAsync("ip=127.0.1.5");

        Assert.Equal(JsonValueKind.Null, allowed.GetProperty("recipient").ValueKind);
        Assert.Equal(JsonValueKind.Null, allowed.GetProperty("reply").ValueKind);
        Assert.Equal(JsonValueKind.Null, blocked.GetProperty("recipient").ValueKind);
        Assert.Equal("reject", blocked.GetProperty("outcome").GetString());
        AssertReply(blocked, 550, "5.7.1", LocationSteps.Message);
    }

    [Theory]
    [InlineData("", "ip")]
    [InlineData("to=alice@location.test", "ip")]
    [InlineData("ip=", "ip")]
    [InlineData("ip=abc", "abc")]
    [InlineData("ip=300.1.1.1", "300.1.1.1")]
    [InlineData("ip=127.0.1.5&to=not-an-address", "not-an-address")]
    public async Task Check_InvalidQuery_Returns400Problem(string query, string named)
    {
        using var response = await Server.Admin.GetAsync("/api/v1/relay/check?" + query);

        await LocationSteps.AssertProblemAsync(response, HttpStatusCode.BadRequest, named);
    }

    [Fact]
    public async Task Check_WithoutToken_Returns401()
    {
        using var anonymous = new HttpClient { BaseAddress = Server.Admin.BaseAddress };

        using var response = await anonymous.GetAsync("/api/v1/relay/check?ip=127.0.1.5");

        await LocationSteps.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    /// <summary>The reply object agrees with itself: line = "code enhancedCode text", one line.</summary>
    private static void AssertReply(JsonElement check, int code, string? enhancedCode, string? text)
    {
        var reply = check.GetProperty("reply");
        Assert.True(reply.ValueKind == JsonValueKind.Object, check.GetRawText());
        Assert.Equal(code, reply.GetProperty("code").GetInt32());
        if (enhancedCode is not null)
        {
            Assert.Equal(enhancedCode, reply.GetProperty("enhancedCode").GetString());
        }

        if (text is not null)
        {
            Assert.Equal(text, reply.GetProperty("text").GetString());
        }

        var line = reply.GetProperty("line").GetString()!;
        Assert.StartsWith($"{code} ", line);
        Assert.DoesNotContain('\n', line);
        Assert.EndsWith(reply.GetProperty("text").GetString()!, line);
        if (reply.GetProperty("enhancedCode").GetString() is { } enhanced)
        {
            Assert.StartsWith($"{code} {enhanced} ", line);
        }
    }
}
