namespace EmailAI.Contracts;

/// <summary>
/// IP location blocking, part of the relay policy: which clients are refused at RCPT with <see cref="Message"/>
/// (<c>550 5.7.1</c>, so the sending server's bounce quotes it to its user).
/// <list type="bullet">
/// <item><see cref="BlockedRanges"/>: Authorised-IP syntax (exact, <c>%</c> octets, CIDR, IPv6); applies on every
/// node, with or without a location database.</item>
/// <item><see cref="BlockedCountries"/>: ISO 3166-1 alpha-2 codes, upper case.</item>
/// <item><see cref="AllowedCountries"/>: when not empty, every known country not in it is blocked.</item>
/// <item><see cref="BlockUnknown"/>: whether an address the database has no country for is blocked.</item>
/// </list>
/// The three country rules need the gateway's location database; on a node without one they do not apply.
/// Members added after the first release are optional with neutral defaults, so stored policies from before read
/// as "nothing more blocked"; the relay policy grain always stores them filled in.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IpLocationBlocking(
    IReadOnlyList<string> BlockedCountries,
    string Message,
    IReadOnlyList<string>? AllowedCountries = null,
    IReadOnlyList<string>? BlockedRanges = null,
    bool BlockUnknown = false)
{
    public const string DefaultMessage = "Connections from your location are not accepted";

    public static readonly IpLocationBlocking Default = new([], DefaultMessage, [], [], false);

    /// <summary><see cref="AllowedCountries"/>, empty when a stored policy predates it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> Allowed => AllowedCountries ?? [];

    /// <summary><see cref="BlockedRanges"/>, empty when a stored policy predates it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> Ranges => BlockedRanges ?? [];
}
