using System.Net;
using System.Net.Sockets;

namespace EmailAI.Grains.Dns;

/// <summary>
/// The lookups sender authentication needs, over the configured resolvers (<see cref="DnsOptions"/>). Each call is
/// one query (answers cached for their TTL), safe to repeat, and never throws for DNS trouble: a timeout or SERVFAIL
/// comes back as <see cref="DnsStatus.TemporaryFailure"/>. Names are absolute; a trailing dot is optional.
/// Cancellation throws <see cref="OperationCanceledException"/>.
/// </summary>
public interface IDnsLookup
{
    /// <summary>TXT records, each one's character-strings joined without separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2), decoded as UTF-8.</summary>
    Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>A (<see cref="AddressFamily.InterNetwork"/>) or AAAA (<see cref="AddressFamily.InterNetworkV6"/>) records.</summary>
    Task<DnsAnswer<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken cancellationToken = default);

    /// <summary>MX records, in the order the server gave them (sort by preference yourself).</summary>
    Task<DnsAnswer<MxHost>> MxAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>PTR records of the address's reverse name (in-addr.arpa or ip6.arpa), without trailing dots.</summary>
    Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken = default);
}
