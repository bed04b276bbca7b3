using System.Text.Json;
using EmailAI.Tests.EndToEnd;
using static EmailAI.Tests.Location.GeoDatabaseFile;

namespace EmailAI.Tests.Location;

/// <summary>
/// A node with no <c>EmailAI:Geo:Database</c> uses Debian's tor-geoipdb files when they are installed; with no
/// database at all, GET /api/v1/relay says why, country rules and blockUnknown do not apply on that node, and
/// blockedRanges still do. One server per test: the database is chosen at start.
/// </summary>
public sealed class GeoDatabaseDefaultTests
{
    private static readonly string[] TorFiles = ["/usr/share/tor/geoip", "/usr/share/tor/geoip6"];

    [Fact]
    public async Task NoDatabaseSetting_TorGeoipDbInstalled_UsesItsFiles()
    {
        await using var server = await ServerProcess.StartNewAsync();

        var database = (await server.GetRelayAsync()).GetProperty("ipLocationBlocking").GetProperty("database");

        var installed = TorFiles.Where(File.Exists).ToArray();
        if (installed.Length == 0)
        {
            // Without the package there is nothing to fall back on: off, and saying so.
            Assert.False(database.GetProperty("available").GetBoolean(), database.GetRawText());
            Assert.False(string.IsNullOrWhiteSpace(database.GetProperty("reason").GetString()));
            return;
        }

        Assert.True(database.GetProperty("available").GetBoolean(), database.GetRawText());
        Assert.Equal(installed, LocationPolicyApiTests.Strings(database, "sources").Order(StringComparer.Ordinal));
        Assert.True(database.GetProperty("ranges").GetInt32() > 1000, database.GetRawText());
        Assert.Equal(JsonValueKind.Null, database.GetProperty("reason").ValueKind);
    }

    [Fact]
    public async Task NoDatabase_CountryRulesAndBlockUnknown_DoNotApplyButBlockedRangesDo()
    {
        // TODO(issue 11, at merge): the key that points the default (tor-geoipdb) elsewhere is not settled;
        // check that "EmailAI:Geo:DefaultDatabaseFiles" is the name the product binds, and that setting it
        // replaces the built-in list rather than appending to it (configuration binding appends to a
        // pre-filled list or array), hence both entries.
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Geo:DefaultDatabaseFiles:0"] = "/nonexistent/emailai-test/geoip",
            ["EmailAI:Geo:DefaultDatabaseFiles:1"] = "/nonexistent/emailai-test/geoip6",
        });
        await server.ProvisionAsync(LocationFixture.Alice);

        var database = (await server.GetRelayAsync()).GetProperty("ipLocationBlocking").GetProperty("database");
        Assert.False(database.GetProperty("available").GetBoolean(), database.GetRawText());
        Assert.False(string.IsNullOrWhiteSpace(database.GetProperty("reason").GetString()), database.GetRawText());

        await server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP", "US"], blockUnknown: true, blockedRanges: ["127.0.4.%"]));

        Assert.StartsWith("250", await server.FirstRcptAsync(NorthKorea, LocationFixture.Alice));
        Assert.StartsWith("250", await server.FirstRcptAsync(Unknown, LocationFixture.Alice));
        Assert.StartsWith("250", await server.FirstRcptAsync(System.Net.IPAddress.Loopback, LocationFixture.Alice));
        Assert.Equal(LocationSteps.BlockedLine, await server.FirstRcptAsync(GermanyRange, LocationFixture.Alice));
        var check = await server.CheckAsync($"ip=127.0.1.5&to={LocationFixture.Alice}");
        Assert.False(check.GetProperty("database").GetBoolean());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("country").ValueKind);
        Assert.False(check.GetProperty("location").GetProperty("blocked").GetBoolean());
        Assert.Equal("accept", check.GetProperty("outcome").GetString());
    }
}
