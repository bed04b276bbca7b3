namespace EmailAI.Contracts;

/// <summary>
/// The answer to a release from the quarantine: <see cref="AdminOutcome.Updated"/> with the maildrop uid the message now
/// has (and the address the white list learnt, if any), or <see cref="AdminOutcome.NotFound"/> with nothing changed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QuarantineRelease(AdminOutcome Outcome, long? Uid, string? WhiteListed, string? Error)
{
    public static QuarantineRelease NotFound(string error) => new(AdminOutcome.NotFound, null, null, error);
}
