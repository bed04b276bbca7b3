using System.Text.Json;
using EmailAI.Tests.EndToEnd;
using static EmailAI.Tests.Location.GeoDatabaseFile;

namespace EmailAI.Tests.Location;

/// <summary>
/// <c>EmailAI:Geo:ReloadInterval</c>: the database file is polled and a changed file replaces the data in force
/// without a restart; a file that does not parse is refused with a warning naming it, and the previous data
/// stays in force. One server of its own, polling every 200 ms.
/// </summary>
public sealed class GeoDatabaseReloadTests
{
    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task DatabaseFile_RewrittenThenCorrupted_NewCountriesApplyThenOldDataStaysWithLastError()
    {
        using var database = new GeoDatabaseFile();
        await using var server = await ServerProcess.StartNewAsync(database.Settings(new Dictionary<string, string>
        {
            ["EmailAI:Geo:ReloadInterval"] = "00:00:00.200",
        }));
        await server.ProvisionAsync(LocationFixture.Alice);
        await server.PutRelayAsync(LocationSteps.Policy(blockedCountries: ["KP"]));
        Assert.StartsWith("250", await server.FirstRcptAsync(Germany, LocationFixture.Alice));

        // 127.0.2.0/24 moves to KP.
        database.Write(Standard.Replace("127.0.2.255,DE", "127.0.2.255,KP", StringComparison.Ordinal));

        Assert.True(
            await LocationSteps.EventuallyAsync(async () => await server.FirstRcptAsync(Germany, LocationFixture.Alice) == LocationSteps.BlockedLine, ReloadDeadline),
            $"127.0.2.5 not blocked {ReloadDeadline.TotalSeconds} s after its range became KP:\n{server.Log}");
        var reloaded = (await server.GetRelayAsync()).GetProperty("ipLocationBlocking").GetProperty("database");
        Assert.Equal(JsonValueKind.Null, reloaded.GetProperty("lastError").ValueKind);

        database.Write("not,an,ip\n");

        Assert.True(
            await LocationSteps.EventuallyAsync(async () => (await server.GetRelayAsync()).GetProperty("ipLocationBlocking").GetProperty("database").GetProperty("lastError").ValueKind == JsonValueKind.String, ReloadDeadline),
            $"database.lastError still null {ReloadDeadline.TotalSeconds} s after the file was corrupted:\n{(await server.GetRelayAsync()).GetRawText()}");
        var refused = (await server.GetRelayAsync()).GetProperty("ipLocationBlocking").GetProperty("database");
        Assert.True(refused.GetProperty("available").GetBoolean());
        // The data in force is the reloaded file (ranges are counted after adjacent ranges of one country are merged).
        Assert.Equal(reloaded.GetProperty("ranges").GetInt32(), refused.GetProperty("ranges").GetInt32());
        Assert.Equal(LocationSteps.BlockedLine, await server.FirstRcptAsync(Germany, LocationFixture.Alice));
        Assert.Equal(LocationSteps.BlockedLine, await server.FirstRcptAsync(NorthKorea, LocationFixture.Alice));
        Assert.StartsWith("250", await server.FirstRcptAsync(GermanyRange, LocationFixture.Alice));
        var warning = await server.WaitForLogLineAsync("warn", database.Path);
        Assert.True(warning is not null, $"no warning naming {database.Path}:\n{server.Log}");
    }
}
