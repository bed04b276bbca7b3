namespace EmailAI.Contracts;

/// <summary>
/// One RCPT to decide: the session's facts, the envelope sender (empty for the null reverse-path) and the
/// recipient mailbox as the client wrote it — <see cref="LocalPart"/> in wire form (quotes kept) and
/// <see cref="Domain"/> as sent (a U-label, an A-label or a bracketed address literal) — or
/// <see cref="IsBarePostmaster"/> for <c>&lt;Postmaster&gt;</c> without a domain (RFC 5321 §4.5.1).
/// Nothing in it is normalised: that is the policy's job, done once, with <see cref="EmailAddress"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RecipientRequest(SessionFacts Session, string Sender, string LocalPart, string Domain, bool IsBarePostmaster)
{
    /// <summary>
    /// The size the client declared with MAIL's SIZE parameter (RFC 1870 §4), or null: a mailbox recipient whose
    /// usage plus this exceeds its quota is refused (552 5.2.2); without it, one whose usage has reached its quota.
    /// </summary>
    [Id(5)]
    public long? DeclaredSize { get; init; }

    public bool IsAddressLiteral => Domain.StartsWith('[');

    /// <summary>The recipient as the client wrote it.</summary>
    public string Address => IsBarePostmaster ? "postmaster" : LocalPart + "@" + Domain;

    /// <summary>
    /// The normalised domain whose grain decides this recipient: the recipient's, or this server's own name for a
    /// bare <c>&lt;Postmaster&gt;</c>; null when that is not a valid host name (an address literal, say).
    /// </summary>
    public string? DomainKey => EmailAddress.TryNormalizeDomain(IsBarePostmaster ? Session.ServerDomain : Domain, out var key) ? key : null;
}
