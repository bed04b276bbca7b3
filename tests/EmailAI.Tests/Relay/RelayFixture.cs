using System.Net;
using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Relay;

/// <summary>
/// One embedded server with a local domain, an account, and an Authorised IP list with one entry of each
/// form. Client addresses come from 127.0.0.0/8, which Linux routes to loopback, so each test can pick a
/// client address inside or outside the list.
/// </summary>
public sealed class RelayFixture : IAsyncLifetime
{
    public const string LocalDomain = "local.test";
    public const string User = "user@local.test";

    /// <summary>Not on the list (the default loopback address).</summary>
    public static readonly IPAddress Outsider = IPAddress.Parse("127.0.0.1");

    /// <summary>On the list as an exact address.</summary>
    public static readonly IPAddress Exact = IPAddress.Parse("127.0.0.2");

    /// <summary>On the list through the wildcard 127.0.1.%.</summary>
    public static readonly IPAddress Wildcard = IPAddress.Parse("127.0.1.77");

    /// <summary>On the list through the CIDR 127.0.2.0/24.</summary>
    public static readonly IPAddress Cidr = IPAddress.Parse("127.0.2.200");

    /// <summary>Next to the wildcard and the CIDR, but outside both.</summary>
    public static readonly IPAddress Neighbour = IPAddress.Parse("127.0.3.1");

    public ServerProcess Server { get; } = new();

    public async Task InitializeAsync()
    {
        await Server.StartAsync();
        await Server.ProvisionAsync(User);
        using var response = await Server.Admin.PutAsync(
            "/api/v1/relay",
            ServerProcess.Json("""{"authorisedIps":["127.0.0.2","127.0.1.%","127.0.2.0/24","2001:db8::/32"]}"""));
        response.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
