using System.Net.Http.Json;
using System.Text.Json;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.WhiteList;

/// <summary>The white-list admin API as the end-to-end tests read it (<c>GET /api/v1/whitelist/{owner}</c>).</summary>
public static class WhiteListAdmin
{
    /// <summary>The owner's list as the API answers it.</summary>
    public static async Task<JsonElement> ListAsync(ServerProcess server, string owner) =>
        await server.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/whitelist/{owner}");

    /// <summary>
    /// The owner's list once it holds at least <paramref name="count"/> entries (learning runs after the 250, so a
    /// test waits for it); fails after 30 seconds with the list it last saw.
    /// </summary>
    public static async Task<List<JsonElement>> WaitForListAsync(ServerProcess server, string owner, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var list = await ListAsync(server, owner);
            if (list.GetArrayLength() >= count)
            {
                return [.. list.EnumerateArray()];
            }

            Assert.True(DateTime.UtcNow < deadline, $"white list of {owner}: {list}");
            await Task.Delay(100);
        }
    }
}
