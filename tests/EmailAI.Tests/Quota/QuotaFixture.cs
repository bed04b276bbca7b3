using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Quota;

/// <summary>
/// One embedded server for <see cref="QuotaEndToEndTests"/>: a node-wide default quota (<see cref="NodeDefault"/>,
/// large enough that no test reaches it by accident) and a named postmaster account. Tests use distinct domains.
/// </summary>
public sealed class QuotaFixture : IAsyncLifetime
{
    public const long NodeDefault = 50_000_000;

    public const string ServerDomain = "mx.quota.test";

    public const string PostmasterAccount = "chief@pm.quota.test";

    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["EmailAI:ServerDomain"] = ServerDomain,
        ["EmailAI:Quota:DefaultBytes"] = NodeDefault.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EmailAI:PostmasterAccount"] = PostmasterAccount,
    });

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
