using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Routing;

namespace EmailAI.Tests.Quarantine;

/// <summary>
/// One embedded server for <see cref="QuarantineEndToEndTests"/>, sweeping expired held mail every second so expiry can
/// be seen without waiting an hour. Sender authentication is on against a fake DNS server: remote.test's SPF record
/// passes the tests' client (127.0.0.1), spoofed.test's fails it. Tests use distinct domains.
/// </summary>
public sealed class QuarantineFixture : IAsyncLifetime
{
    private readonly FakeDnsServer _dns = FakeDnsServer.Start()
        .Txt("remote.test", "v=spf1 ip4:127.0.0.1 -all")
        .Txt("spoofed.test", "v=spf1 ip4:192.0.2.1 -all")
        .Txt("_dmarc.spoofed.test", "v=DMARC1; p=none");

    public QuarantineFixture()
    {
        Server = new(new Dictionary<string, string>
        {
            ["EmailAI:ServerDomain"] = "mx.quarantine.test",
            ["EmailAI:Quarantine:SweepInterval"] = "00:00:01",
            ["EmailAI:Authentication:Enabled"] = "true",
            ["EmailAI:Dns:Servers:0"] = $"127.0.0.1:{_dns.Port}",
        });
    }

    public ServerProcess Server { get; }

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await _dns.DisposeAsync();
    }
}
