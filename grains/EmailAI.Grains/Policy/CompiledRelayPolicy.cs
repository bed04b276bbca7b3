using System.Net;
using EmailAI.Contracts;

namespace EmailAI.Grains.Policy;

/// <summary>
/// One version of the relay settings with its Authorised IP entries parsed once, ready for the per-RCPT
/// check. Immutable, so a decision reads one consistent version without a lock.
/// </summary>
public sealed class CompiledRelayPolicy
{
    private readonly IReadOnlyList<IpPattern> _authorised;

    public CompiledRelayPolicy(RelayPolicySnapshot snapshot)
    {
        Version = snapshot.Version;
        Settings = snapshot.Settings;
        _authorised = [.. snapshot.Settings.AuthorisedIps.Select(entry => IpPattern.TryParse(entry, out var p) ? p : null).OfType<IpPattern>()];
    }

    public long Version { get; }

    public RelaySettings Settings { get; }

    /// <summary>True when the client address matches an Authorised IP entry (IPv4-mapped IPv6 as IPv4).</summary>
    public bool IsAuthorised(IPAddress client) => _authorised.Any(p => p.Matches(client));
}
