namespace EmailAI.Contracts;

/// <summary>
/// Cluster-wide relay settings (GET/PUT /api/v1/relay). <see cref="AuthorisedIps"/> entries are exact
/// IPv4/IPv6 addresses, per-octet <c>%</c> wildcards (<c>192.168.1.%</c>) or CIDR blocks.
/// <see cref="SubmissionSenders"/> is last and defaults to <see cref="Contracts.SubmissionSenders.Own"/>, so a
/// stored policy from before the setting existed reads as the safe default.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RelaySettings(
    IReadOnlyList<string> AuthorisedIps,
    bool AutoWhiteListRecipients,
    IpLocationBlocking IpLocationBlocking,
    SubmissionSenders SubmissionSenders = SubmissionSenders.Own)
{
    public static readonly RelaySettings Default = new([], false, IpLocationBlocking.Default);
}
