using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Location;

/// <summary>
/// One embedded server reading <see cref="GeoDatabaseFile.Standard"/>, with the local account <see cref="Alice"/>,
/// shared by the classes of <see cref="LocationCollection"/>. The location policy is cluster-wide state of this
/// server, so those classes run one test at a time and every test begins with
/// <see cref="LocationSteps.ResetPolicyAsync"/>.
/// </summary>
public sealed class LocationFixture : IAsyncLifetime
{
    public const string Alice = "alice@location.test";
    public const string Password = "alice-location-secret";

    private readonly GeoDatabaseFile _database = new();

    public LocationFixture() => Server = new ServerProcess(_database.Settings());

    public ServerProcess Server { get; }

    public string DatabasePath => _database.Path;

    public async Task InitializeAsync()
    {
        await Server.StartAsync();
        await Server.ProvisionAsync(Alice, Password);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _database.Dispose();
    }
}
