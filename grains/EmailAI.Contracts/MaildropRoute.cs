namespace EmailAI.Contracts;

/// <summary>
/// The maildrop of a local account; <see cref="Maildrop"/> is its normalised address key. <see cref="QuotaBytes"/>
/// is the effective quota decided at RCPT time (0 unlimited), which ingest enforces again at DATA time.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MaildropRoute(string Maildrop) : RecipientRoute
{
    [Id(1)]
    public long QuotaBytes { get; init; }

    /// <summary>The account's effective <c>"unlistedSenders"</c> (its own, else its domain's), decided at RCPT time like the quota.</summary>
    [Id(2)]
    public UnlistedSenderMode UnlistedSenders { get; init; }

    public override string ToString() => "maildrop:" + Maildrop;
}
