using System.Net;
using DnsClient;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Grains.Dns;
using EmailAI.Tests.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmailAI.Tests.Authentication.Spf;

/// <summary>An <see cref="SpfChecker"/> whose DNS is a <see cref="FakeDnsServer"/>, asked by a real DnsClient without cache or retries.</summary>
internal static class SpfTestChecker
{
    /// <summary>How long one query waits: a dropped query (the zone's TIMEOUT) costs this much; loopback answers take microseconds.</summary>
    public static readonly TimeSpan DnsTimeout = TimeSpan.FromSeconds(1);

    public static SpfChecker Create(FakeDnsServer dns, string? receiver = null, TimeProvider? time = null, TimeSpan? checkTimeout = null) =>
        new(Lookup(dns), time ?? TimeProvider.System, NullLogger<SpfChecker>.Instance, receiver, checkTimeout);

    public static DnsClientLookup Lookup(FakeDnsServer dns) =>
        new(new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, dns.Port))
        {
            UseCache = false,
            Timeout = DnsTimeout,
            Retries = 0,
        }));
}
