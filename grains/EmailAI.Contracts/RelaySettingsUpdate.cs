namespace EmailAI.Contracts;

/// <summary>
/// A change to the relay settings: members left null keep their current value. The grain merges and
/// validates in one turn, so two admins changing different members at once never undo each other.
/// <see cref="SubmissionSenders"/> is the admin's text (<c>own</c>, <c>domain</c> or <c>any</c>), validated there.
/// The Blocked…/Allowed…/BlockUnknown/BlockingMessage members are <c>ipLocationBlocking</c>'s.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RelaySettingsUpdate(
    IReadOnlyList<string>? AuthorisedIps = null,
    bool? AutoWhiteListRecipients = null,
    IReadOnlyList<string>? BlockedCountries = null,
    string? BlockingMessage = null,
    string? SubmissionSenders = null,
    IReadOnlyList<string>? AllowedCountries = null,
    IReadOnlyList<string>? BlockedRanges = null,
    bool? BlockUnknown = null)
{
    /// <summary>
    /// When set, the change applies only if the policy is still at this version (the admin API's <c>If-Match</c>), so
    /// a read-modify-write of a list (add one entry, delete another) never undoes an edit made in between: it gets a
    /// conflict and reads again.
    /// </summary>
    [Id(8)]
    public long? ExpectedVersion { get; init; }
}
