using System.Net;
using EmailAI.Contracts;
using EmailAI.Grains.Policy;

namespace EmailAI.Tests.Location;

/// <summary>
/// IP location blocking's decision (<see cref="CompiledRelayPolicy.CheckLocation"/>), as the silo makes it for every
/// RCPT: exemptions first, then blocked ranges, then the country rules, which apply only where the gateway had a
/// location database.
/// </summary>
public sealed class LocationRulesTests
{
    private static CompiledRelayPolicy Policy(
        string[]? blocked = null, string[]? allowed = null, string[]? ranges = null, bool blockUnknown = false, string[]? authorised = null) =>
        new(new RelayPolicySnapshot(7, new RelaySettings(
            authorised ?? [],
            false,
            new IpLocationBlocking(blocked ?? [], "Go away", allowed ?? [], ranges ?? [], blockUnknown))));

    private static SessionFacts Facts(string ip, string? country, bool lookedUp = true, string? identity = null) =>
        new(IPAddress.Parse(ip), "helo.example", false, identity, country, "mx.example.com", lookedUp);

    [Theory]
    [InlineData("KP", LocationRule.BlockedCountries)]
    [InlineData("DE", null)]
    public void BlockedCountries_DecideByCountry(string country, LocationRule? rule)
    {
        Assert.Equal(rule, Policy(blocked: ["KP"]).CheckLocation(Facts("203.0.113.7", country)).Rule);
    }

    [Theory]
    [InlineData("DE", null)]
    [InlineData("FR", null)]
    [InlineData("US", LocationRule.AllowedCountries)]
    public void AllowedCountries_NotEmpty_EveryOtherCountryBlocked(string country, LocationRule? rule)
    {
        Assert.Equal(rule, Policy(allowed: ["DE", "FR"]).CheckLocation(Facts("203.0.113.7", country)).Rule);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, LocationRule.BlockUnknown)]
    public void UnknownAddress_BlockUnknownDecides_EvenWithAllowedCountries(bool blockUnknown, LocationRule? rule)
    {
        var check = Policy(allowed: ["DE"], blockUnknown: blockUnknown).CheckLocation(Facts("203.0.113.7", null));
        Assert.Equal(rule, check.Rule);
        Assert.Contains("no country", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void NoDatabaseOnTheGateway_CountryRulesAndBlockUnknownDoNotApply_RangesDo()
    {
        var policy = Policy(allowed: ["DE"], blockUnknown: true, ranges: ["198.51.100.%"]);
        var free = policy.CheckLocation(Facts("203.0.113.7", null, lookedUp: false));
        Assert.False(free.Blocked);
        Assert.Contains("no location database", free.Detail, StringComparison.Ordinal);
        Assert.Equal(LocationRule.BlockedRanges, policy.CheckLocation(Facts("198.51.100.9", null, lookedUp: false)).Rule);
    }

    [Theory]
    [InlineData("198.51.100.%", "198.51.100.0")]
    [InlineData("198.51.100.%", "198.51.100.255")]
    [InlineData("203.0.113.0/24", "203.0.113.77")]
    [InlineData("203.0.113.7", "::ffff:203.0.113.7")]
    [InlineData("2001:db8::/32", "2001:db8:1::5")]
    public void BlockedRanges_AuthorisedIpSyntax_Match(string range, string client)
    {
        var check = Policy(ranges: [range]).CheckLocation(Facts(client, "DE"));
        Assert.Equal(LocationRule.BlockedRanges, check.Rule);
        Assert.Contains(range, check.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("198.51.101.0")]
    [InlineData("203.0.114.1")]
    [InlineData("2001:db9::1")]
    public void BlockedRanges_AddressOutside_NotBlocked(string client)
    {
        Assert.False(Policy(ranges: ["198.51.100.%", "203.0.113.0/24", "2001:db8::/32"]).CheckLocation(Facts(client, "DE")).Blocked);
    }

    [Fact]
    public void BlockedRange_WinsOverAnAllowedCountry()
    {
        Assert.Equal(LocationRule.BlockedRanges, Policy(allowed: ["DE"], ranges: ["198.51.100.%"]).CheckLocation(Facts("198.51.100.1", "DE")).Rule);
    }

    [Fact]
    public void AuthorisedClient_Exempt_WhateverTheRules()
    {
        var policy = Policy(blocked: ["KP"], ranges: ["192.168.1.%"], blockUnknown: true, authorised: ["192.168.1.%"]);
        var check = policy.CheckLocation(Facts("192.168.1.40", "KP"));
        Assert.False(check.Blocked);
        Assert.Contains("192.168.1.%", check.Exemption, StringComparison.Ordinal);
    }

    [Fact]
    public void AuthenticatedSession_Exempt()
    {
        var check = Policy(blocked: ["KP"], blockUnknown: true).CheckLocation(Facts("203.0.113.7", "KP", identity: "alice@example.com"));
        Assert.False(check.Blocked);
        Assert.Contains("alice@example.com", check.Exemption, StringComparison.Ordinal);
    }

    [Fact]
    public void Loopback_NotSpecial_TheCountryDecides()
    {
        Assert.Equal(LocationRule.BlockedCountries, Policy(blocked: ["US"]).CheckLocation(Facts("127.0.0.1", "US")).Rule);
    }

    [Fact]
    public void PolicyStoredBeforeTheNewFields_BlocksOnlyByItsCountries()
    {
        // A policy from before allowedCountries/blockedRanges/blockUnknown existed deserialises with them null.
        var old = new CompiledRelayPolicy(new RelayPolicySnapshot(1, new RelaySettings([], false, new IpLocationBlocking(["KP"], "Go away"))));
        Assert.False(old.CheckLocation(Facts("203.0.113.7", null)).Blocked);
        Assert.Equal(LocationRule.BlockedCountries, old.CheckLocation(Facts("203.0.113.7", "KP")).Rule);
    }

    [Fact]
    public void LocationBlockedVerdict_550_5_7_1_WithTheMessage_NonAsciiReplaced()
    {
        var check = new LocationCheck(LocationRule.BlockedCountries, "country KP is in blockedCountries", null);
        var verdict = PolicyVerdict.LocationBlocked("Contactez-nous \u00e0 https://example.com\r\n", check);
        Assert.Equal((PolicyOutcome.Reject, 550, "5.7.1", LocationRule.BlockedCountries), (verdict.Outcome, verdict.Code, verdict.EnhancedCode, verdict.BlockedBy));
        Assert.Equal("Contactez-nous ? https://example.com??", verdict.Text);
        Assert.Contains("country KP", verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("de", true, "DE")]
    [InlineData("KP", true, "KP")]
    [InlineData("XX", true, "XX")]
    [InlineData("XK", true, "XK")]
    [InlineData("QZ", true, "QZ")]
    [InlineData("EU", true, "EU")]
    [InlineData("UK", false, "GB")]
    [InlineData("JJ", false, "assigned")]
    [InlineData("QB", false, "assigned")]
    [InlineData("K1", false, "two letters")]
    [InlineData("KPX", false, "two letters")]
    [InlineData(" KP", false, "two letters")]
    [InlineData("", false, "two letters")]
    public void CountryCodes_AssignedUserAssignedAndDatabaseCodes(string text, bool ok, string expected)
    {
        Assert.Equal(ok, CountryCodes.TryNormalize(text, out var code, out var error));
        if (ok)
        {
            Assert.Equal(expected, code);
        }
        else
        {
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }
    }
}
