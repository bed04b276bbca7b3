using System.Globalization;
using System.Net;
using System.Text.Json;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Location;

/// <summary>
/// The ipLocationBlocking member of <c>/api/v1/relay</c>: its five fields round-trip (country codes upper-cased),
/// a partial PUT keeps what it leaves out, a refused PUT is a 400 problem naming the bad value and changes
/// nothing, and GET describes the node's location database.
/// </summary>
[Collection(LocationCollection.Name)]
public sealed class LocationPolicyApiTests(LocationFixture fixture) : LocationPolicyTest(fixture)
{
    [Fact]
    public async Task PutLocationBlocking_AllFields_RoundTripWithCountriesUpperCased()
    {
        const string body = """
            {"ipLocationBlocking":{"blockedCountries":["kp","Ir"],"allowedCountries":["de","FR"],
             "blockedRanges":["127.0.4.%","10.0.0.0/8","192.0.2.7","2001:db8::/32"],"blockUnknown":true,
             "message":"We do not accept mail from your network. Contact us at https://example.com/contact"}}
            """;

        var put = await Server.PutRelayAsync(body);
        var fetched = await Server.GetRelayAsync();

        foreach (var relay in new[] { put, fetched })
        {
            var blocking = relay.GetProperty("ipLocationBlocking");
            Assert.Equal(["KP", "IR"], Strings(blocking, "blockedCountries"));
            Assert.Equal(["DE", "FR"], Strings(blocking, "allowedCountries"));
            Assert.Equal(["127.0.4.%", "10.0.0.0/8", "192.0.2.7", "2001:db8::/32"], Strings(blocking, "blockedRanges"));
            Assert.True(blocking.GetProperty("blockUnknown").GetBoolean());
            Assert.Equal(LocationSteps.Message, blocking.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task PutLocationBlocking_PartialBody_KeepsOmittedMembers()
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"], blockedRanges: ["127.0.4.%"], authorisedIps: ["10.1.2.3"]));

        await Server.PutRelayAsync("""{"ipLocationBlocking":{"blockUnknown":true}}""");
        await Server.PutRelayAsync("""{"autoWhiteListRecipients":false}""");

        var relay = await Server.GetRelayAsync();
        var blocking = relay.GetProperty("ipLocationBlocking");
        Assert.Equal(["KP"], Strings(blocking, "blockedCountries"));
        Assert.Equal(["127.0.4.%"], Strings(blocking, "blockedRanges"));
        Assert.Empty(Strings(blocking, "allowedCountries"));
        Assert.True(blocking.GetProperty("blockUnknown").GetBoolean());
        Assert.Equal(LocationSteps.Message, blocking.GetProperty("message").GetString());
        Assert.Equal(["10.1.2.3"], Strings(relay, "authorisedIps"));
    }

    public static TheoryData<string, string> InvalidMembers() => new()
    {
        { """ "blockedCountries":["K1"] """, "K1" },
        { """ "blockedCountries":["KPX"] """, "KPX" },
        { """ "blockedCountries":["JJ"] """, "JJ" },
        { """ "blockedCountries":["UK"] """, "UK" },
        { """ "allowedCountries":["K1"] """, "K1" },
        { """ "blockedRanges":["300.1.1.1"] """, "300.1.1.1" },
        { """ "blockedRanges":["10.0.0.0/33"] """, "10.0.0.0/33" },
        { """ "blockedRanges":["abc"] """, "abc" },
        { """ "message":"line one\r\nline two" """, "message" },
        { """ "message":"line one\nline two" """, "message" },
        { $""" "message":"{new string('a', 201)}" """, "message" },
        { """ "message":"Caf\u00e9 ferm\u00e9" """, "message" },
        { """ "blockedCountries":["KP"],"allowedCountries":["DE","kp"] """, "KP" },
    };

    [Theory]
    [MemberData(nameof(InvalidMembers))]
    public async Task PutLocationBlocking_InvalidValue_Returns400NamingItAndChangesNothing(string member, string named)
    {
        await Server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["IR"], blockedRanges: ["192.0.2.0/24"]));
        var before = (await Server.GetRelayAsync()).GetProperty("ipLocationBlocking").GetRawText();

        // The valid blockUnknown beside the bad member must not be taken either: the body is refused whole.
        using var response = await Server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json($$$"""{"ipLocationBlocking":{"blockUnknown":true,{{{member}}}}}"""));

        await LocationSteps.AssertProblemAsync(response, HttpStatusCode.BadRequest, named);
        Assert.Equal(before, (await Server.GetRelayAsync()).GetProperty("ipLocationBlocking").GetRawText());
        Assert.False((await Server.GetRelayAsync()).GetProperty("ipLocationBlocking").GetProperty("blockUnknown").GetBoolean());
    }

    [Fact]
    public async Task PutLocationBlocking_MessageOf200Characters_Accepted()
    {
        var message = new string('a', 200);

        await Server.PutRelayAsync(JsonSerializer.Serialize(new { ipLocationBlocking = new { message } }));

        Assert.Equal(message, (await Server.GetRelayAsync()).GetProperty("ipLocationBlocking").GetProperty("message").GetString());
    }

    [Fact]
    public async Task GetRelay_DatabaseConfigured_DescribesTheCsv()
    {
        var database = (await Server.GetRelayAsync()).GetProperty("ipLocationBlocking").GetProperty("database");

        Assert.True(database.GetProperty("available").GetBoolean(), database.GetRawText());
        Assert.Equal([Fixture.DatabasePath], Strings(database, "sources"));
        Assert.Equal("csv", database.GetProperty("format").GetString());
        Assert.Equal(GeoDatabaseFile.StandardRanges, database.GetProperty("ranges").GetInt32());
        var loadedAt = DateTimeOffset.Parse(database.GetProperty("loadedAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(loadedAt, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(JsonValueKind.Null, database.GetProperty("reason").ValueKind);
        Assert.Equal(JsonValueKind.Null, database.GetProperty("lastError").ValueKind);
    }

    internal static List<string?> Strings(JsonElement element, string property) =>
        [.. element.GetProperty(property).EnumerateArray().Select(e => e.GetString())];
}
