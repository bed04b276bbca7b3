using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Location;

/// <summary>
/// Base of the test classes on the shared <see cref="LocationFixture"/> server: each test starts from nothing
/// blocked and nothing authorised (<see cref="LocationSteps.ResetPolicyAsync"/>), whatever the previous test left.
/// Derived classes carry <c>[Collection(LocationCollection.Name)]</c>, so no two of their tests overlap.
/// </summary>
public abstract class LocationPolicyTest(LocationFixture fixture) : IAsyncLifetime
{
    protected LocationFixture Fixture => fixture;

    protected ServerProcess Server => fixture.Server;

    public async Task InitializeAsync() => await Server.ResetPolicyAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
