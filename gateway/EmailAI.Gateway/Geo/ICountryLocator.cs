using System.Net;
using EmailAI.Protocols.Common;

namespace EmailAI.Gateway.Geo;

/// <summary>
/// The node's IP-to-country database (<c>EmailAI:Geo:Database</c>, or Debian's tor-geoipdb files when that is not
/// set), held in memory and replaced whole when its file changes. Safe to call from any thread; a lookup takes no
/// lock and allocates nothing beyond the answer.
/// </summary>
public interface ICountryLocator
{
    /// <summary>
    /// The country of <paramref name="address"/> (an IPv4-mapped IPv6 address is looked up as IPv4), or null when
    /// no database is loaded, so country rules cannot apply on this node.
    /// </summary>
    ClientLocation? Lookup(IPAddress address);

    /// <summary>Which database is in force, or why none is: for the start-up log and <c>GET /api/v1/relay</c>.</summary>
    GeoDatabaseStatus Status { get; }
}
