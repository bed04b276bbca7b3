namespace EmailAI.Tests.Location;

/// <summary>The test classes that share one <see cref="LocationFixture"/> server and so run one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class LocationCollection : ICollectionFixture<LocationFixture>
{
    public const string Name = "location";
}
