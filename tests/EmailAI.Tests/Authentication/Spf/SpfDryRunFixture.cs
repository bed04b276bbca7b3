using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Routing;

namespace EmailAI.Tests.Authentication.Spf;

/// <summary>
/// One server process whose resolver (<c>EmailAI:Dns:Servers:0</c>) is a <see cref="FakeDnsServer"/> with the
/// zones of <see cref="SpfDryRunTests"/>, shared by its tests.
/// </summary>
public sealed class SpfDryRunFixture : IAsyncLifetime
{
    public FakeDnsServer Dns { get; } = FakeDnsServer.Start()
        .Txt("sender.example", "v=spf1 ip4:192.0.2.0/24 -all exp=why.sender.example")
        .Txt("why.sender.example", "%{c} is not a mail server of %{d} (asked by %{r})")
        .Txt("helo.example", "v=spf1 a -all")
        .A("helo.example", "198.51.100.25")
        .ServFail("broken.example");

    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Dns:Servers:0"] = $"127.0.0.1:{Dns.Port}",
            ["EmailAI:Dns:Retries"] = "0",
        });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Dns.DisposeAsync();
    }
}
