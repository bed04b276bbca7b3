using System.Net;
using EmailAI.Contracts;

namespace EmailAI.Grains.Policy;

/// <summary>
/// One version of the relay settings with its Authorised IP entries, blocked ranges and country lists parsed once,
/// ready for the per-RCPT checks. Immutable, so a decision reads one consistent version without a lock.
/// </summary>
public sealed class CompiledRelayPolicy
{
    private readonly IReadOnlyList<IpPattern> _authorised;
    private readonly IReadOnlyList<IpPattern> _blockedRanges;
    private readonly HashSet<string> _blockedCountries;
    private readonly HashSet<string> _allowedCountries;

    public CompiledRelayPolicy(RelayPolicySnapshot snapshot)
    {
        Version = snapshot.Version;
        Settings = snapshot.Settings;
        var blocking = snapshot.Settings.IpLocationBlocking;
        _authorised = Parse(snapshot.Settings.AuthorisedIps);
        _blockedRanges = Parse(blocking.Ranges);
        _blockedCountries = new HashSet<string>(blocking.BlockedCountries, StringComparer.OrdinalIgnoreCase);
        _allowedCountries = new HashSet<string>(blocking.Allowed, StringComparer.OrdinalIgnoreCase);
    }

    public long Version { get; }

    public RelaySettings Settings { get; }

    /// <summary>
    /// The first Authorised IP entry, as stored, that the client address matches (IPv4-mapped IPv6 as IPv4); null
    /// when none does.
    /// </summary>
    public string? AuthorisedEntry(IPAddress client) => _authorised.FirstOrDefault(p => p.Matches(client))?.Text;

    /// <summary>
    /// IP location blocking for a session. Exempt, whatever the rules: an authenticated session and a client on the
    /// Authorised IP list (loopback is not special: the database decides). Then, in order: <c>blockedRanges</c>
    /// (needs no database); and, only when the gateway consulted a location database
    /// (<see cref="SessionFacts.CountryLookedUp"/>): an unknown address is refused when <c>blockUnknown</c> is on
    /// and passes otherwise (the country lists cannot judge it), a country in <c>blockedCountries</c> is refused,
    /// and when <c>allowedCountries</c> is not empty a country missing from it is refused.
    /// </summary>
    public LocationCheck CheckLocation(SessionFacts session)
    {
        var client = session.ClientAddress.IsIPv4MappedToIPv6 ? session.ClientAddress.MapToIPv4() : session.ClientAddress;
        if (session.AuthenticatedIdentity is { } identity)
        {
            return new LocationCheck(null, "not applied", $"authenticated as {identity}");
        }

        if (AuthorisedEntry(client) is { } entry)
        {
            return new LocationCheck(null, "not applied", $"[{client}] is on the Authorised IP list ({entry})");
        }

        if (_blockedRanges.FirstOrDefault(p => p.Matches(client)) is { } range)
        {
            return new LocationCheck(LocationRule.BlockedRanges, $"[{client}] is in blocked range {range.Text}", null);
        }

        if (!session.CountryLookedUp)
        {
            return new LocationCheck(null, "no location database on the gateway: only blockedRanges apply", null);
        }

        if (session.Country is not { } country)
        {
            return Settings.IpLocationBlocking.BlockUnknown
                ? new LocationCheck(LocationRule.BlockUnknown, $"the location database has no country for [{client}] and blockUnknown is on", null)
                : new LocationCheck(null, $"the location database has no country for [{client}] and blockUnknown is off", null);
        }

        if (_blockedCountries.Contains(country))
        {
            return new LocationCheck(LocationRule.BlockedCountries, $"country {country} of [{client}] is in blockedCountries", null);
        }

        if (_allowedCountries.Count > 0 && !_allowedCountries.Contains(country))
        {
            return new LocationCheck(LocationRule.AllowedCountries, $"country {country} of [{client}] is not in allowedCountries", null);
        }

        return new LocationCheck(null, $"country {country} of [{client}] is not blocked", null);
    }

    private static IReadOnlyList<IpPattern> Parse(IEnumerable<string> entries) =>
        [.. entries.Select(entry => IpPattern.TryParse(entry, out var p) ? p : null).OfType<IpPattern>()];
}
