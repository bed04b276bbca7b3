using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using EmailAI.Contracts;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// Finds the hosts for a destination domain, in this order:
/// <list type="number">
/// <item>a static route in <c>EmailAI:Delivery:Routes</c> (the domain's own, else <c>*</c>);</item>
/// <item>a local domain in Advanced Delivery mode: its internal server;</item>
/// <item>DNS (RFC 5321 §5.1): MX records by preference (equal preferences in random order), each host's A and
/// AAAA; no MX at all means the domain's own A/AAAA (implicit MX). NXDOMAIN, a null MX (RFC 7505) or a domain
/// with neither MX nor address are permanent (5.1.2 / 5.1.10); a lookup that fails or times out is temporary
/// (4.4.3). MX hosts that resolve to loopback are dropped, and if nothing else is left the mail would loop
/// back to this server: 5.4.6, as Postfix answers.</item>
/// </list>
/// </summary>
public sealed class DeliveryRouter(IOptions<DeliveryOptions> options, Func<string, Task<DeliverySettings?>> localDelivery, ILookupClient dns)
{
    public const int SmtpPort = 25;

    /// <summary>
    /// The router of a silo: a destination's local delivery settings come from its domain grain, or from the
    /// account grain when the destination is one forwarding account (a key with an @).
    /// </summary>
    public DeliveryRouter(IOptions<DeliveryOptions> options, IGrainFactory grains, ILookupClient dns)
        : this(options, async destination => destination.Contains('@', StringComparison.Ordinal)
            ? (await grains.GetGrain<IAccountGrain>(destination).GetAsync())?.Delivery
            : (await grains.GetGrain<IDomainGrain>(destination).GetAsync())?.Delivery, dns)
    {
    }

    public async Task<DeliveryRoute> ResolveAsync(string destination, CancellationToken cancellationToken)
    {
        if (await ResolveStaticAsync(destination, cancellationToken) is { } fixedRoute)
        {
            return fixedRoute;
        }

        if (await localDelivery(destination) is { IsForward: true } forward)
        {
            return await ResolveForwardHostAsync(destination, forward, cancellationToken);
        }

        if (destination.Contains('@', StringComparison.Ordinal))
        {
            // Queued while the account forwarded; it no longer does (or is gone). Kept until an admin decides.
            return DeliveryRoute.Fail(451, "4.3.5", $"account {destination} no longer has Advanced Delivery");
        }

        return await ResolveMxAsync(destination, cancellationToken);
    }

    /// <summary>
    /// Where the mail of a forwarding destination goes, as <see cref="ResolveAsync"/> would find it, given its
    /// Advanced Delivery settings (so a caller holding them, the domain grain, is not asked again).
    /// </summary>
    public async Task<DeliveryRoute> ResolveForwardAsync(string destination, DeliverySettings forward, CancellationToken cancellationToken) =>
        await ResolveStaticAsync(destination, cancellationToken) ?? await ResolveForwardHostAsync(destination, forward, cancellationToken);

    /// <summary>The static route of <paramref name="destination"/> in <c>EmailAI:Delivery:Routes</c>, resolved; null when it has none.</summary>
    private async Task<DeliveryRoute?> ResolveStaticAsync(string destination, CancellationToken cancellationToken)
    {
        // An account that forwards is its own destination and always goes to its server.
        var routes = options.Value.Routes;
        if (destination.Contains('@', StringComparison.Ordinal) || !(routes.TryGetValue(destination, out var route) || routes.TryGetValue("*", out route)))
        {
            return null;
        }

        return TryParseHostPort(route, out var host, out var port)
            ? await ResolveHostsAsync([host], port, fromMx: false, cancellationToken)
            : DeliveryRoute.Fail(451, "4.3.5", $"route for {destination} ('{route}') is not host:port");
    }

    private Task<DeliveryRoute> ResolveForwardHostAsync(string destination, DeliverySettings forward, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(forward.Host)
            ? Task.FromResult(DeliveryRoute.Fail(451, "4.3.5", $"Advanced Delivery of {destination} has no host"))
            : ResolveHostsAsync([forward.Host], forward.Port ?? SmtpPort, fromMx: false, cancellationToken);

    /// <summary>Parses <c>host</c>, <c>host:port</c>, <c>[v6]:port</c> or a bare IPv6 address; without a port, <paramref name="defaultPort"/>.</summary>
    public static bool TryParseHostPort(string text, out string host, out int port, int defaultPort = SmtpPort)
    {
        host = text.Trim();
        port = defaultPort;
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            var rest = host[(close + 1)..];
            host = host[1..close];
            if (rest.Length > 0 && (!rest.StartsWith(':') || !int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out port)))
            {
                return false;
            }
        }
        else if (host.Count(c => c == ':') == 1)
        {
            var colon = host.IndexOf(':');
            if (!int.TryParse(host[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                return false;
            }

            host = host[..colon];
        }

        return host.Length > 0 && port is > 0 and <= 65535;
    }

    private async Task<DeliveryRoute> ResolveMxAsync(string domain, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await dns.QueryAsync(domain, QueryType.MX, cancellationToken: cancellationToken);
        }
        catch (DnsResponseException ex)
        {
            return DeliveryRoute.Fail(451, "4.4.3", $"MX lookup for {domain} failed: {ex.Code}");
        }

        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return DeliveryRoute.Fail(550, "5.1.2", $"domain {domain} does not exist");
        }

        if (response.HasError)
        {
            return DeliveryRoute.Fail(451, "4.4.3", $"MX lookup for {domain} failed: {response.ErrorMessage}");
        }

        var mx = response.Answers.MxRecords().ToList();
        if (mx.Count == 1 && mx[0].Exchange.Value is "." or "")
        {
            return DeliveryRoute.Fail(556, "5.1.10", $"domain {domain} accepts no mail (null MX)");
        }

        if (mx.Count == 0)
        {
            var implicitRoute = await ResolveHostsAsync([domain], SmtpPort, fromMx: true, cancellationToken);
            return implicitRoute.Targets.Count == 0 && implicitRoute.Failure is null
                ? DeliveryRoute.Fail(550, "5.1.2", $"domain {domain} has no MX and no address records")
                : implicitRoute;
        }

        var hosts = mx.GroupBy(r => r.Preference).OrderBy(g => g.Key)
            .SelectMany(g => g.OrderBy(_ => Random.Shared.Next()))
            .Select(r => r.Exchange.Value.TrimEnd('.'))
            .Where(h => h.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        var resolved = await ResolveHostsAsync(hosts, SmtpPort, fromMx: true, cancellationToken);
        return resolved.Targets.Count > 0 || resolved.Failure is not null
            ? resolved
            : DeliveryRoute.Fail(451, "4.4.3", $"no MX host of {domain} has an address");
    }

    /// <summary>
    /// Addresses of each host in order. A configured host may be an IP literal; an MX exchange is always a
    /// name (RFC 5321 §5.1), so one that merely looks like an address is looked up, not used. Addresses
    /// from MX that are this host (loopback, or the unspecified 0.0.0.0 / ::, which reach it too) are dropped.
    /// </summary>
    private async Task<DeliveryRoute> ResolveHostsAsync(IReadOnlyList<string> hosts, int port, bool fromMx, CancellationToken cancellationToken)
    {
        var targets = new List<DeliveryTarget>();
        var temporary = false;
        var loops = false;
        foreach (var host in hosts)
        {
            if (!fromMx && IPAddress.TryParse(host, out var literal))
            {
                targets.Add(new DeliveryTarget(host, literal, port));
                continue;
            }

            foreach (var type in new[] { QueryType.A, QueryType.AAAA })
            {
                IDnsQueryResponse response;
                try
                {
                    response = await dns.QueryAsync(host, type, cancellationToken: cancellationToken);
                }
                catch (DnsResponseException)
                {
                    temporary = true;
                    continue;
                }

                temporary |= response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain;
                foreach (var record in response.Answers.OfType<AddressRecord>())
                {
                    if (fromMx && IsThisHost(record.Address))
                    {
                        loops = true;
                        continue;
                    }

                    targets.Add(new DeliveryTarget(host, record.Address, port));
                }
            }
        }

        if (targets.Count > 0)
        {
            return new DeliveryRoute(targets, null, fromMx);
        }

        // A lookup that failed may have named a good host: that is worth another try, a loop is not.
        if (temporary)
        {
            return DeliveryRoute.Fail(451, "4.4.3", $"address lookup for {string.Join(", ", hosts)} failed");
        }

        return loops
            ? DeliveryRoute.Fail(554, "5.4.6", $"mail for {string.Join(", ", hosts)} loops back to this host")
            : new DeliveryRoute([], null, fromMx);
    }

    private static bool IsThisHost(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6Any)
            || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && address.GetAddressBytes()[0] == 0);
    }
}
