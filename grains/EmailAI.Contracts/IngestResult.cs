namespace EmailAI.Contracts;

/// <summary>
/// What ingest did with a message. <see cref="Stored"/>: committed for every recipient that can take it, and
/// <see cref="OverQuota"/> lists the maildrops that could not (RFC 3463 5.2.2), reported to the envelope sender in a
/// failure DSN committed in the same transaction (none for the null sender). Not stored: no recipient could take
/// it, because each was a mailbox over its quota, and nothing was committed; the client gets 552 5.2.2.
/// <see cref="Refusal"/>: nothing was committed because a check of the whole message refused it (a DMARC
/// <c>p=reject</c> failure, 550 5.7.1) or could not finish (DNS trouble on the way to such an answer, 451 4.7.5);
/// the client gets that verdict's reply.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IngestResult(bool Stored, IReadOnlyList<string> OverQuota, PolicyVerdict? Refusal = null)
{
    public static readonly IngestResult Delivered = new(true, []);

    public static IngestResult MailboxFull(IReadOnlyList<string> overQuota) => new(false, overQuota);

    /// <summary>Nothing stored: the message as a whole was refused, or must be tried again later.</summary>
    public static IngestResult Refused(PolicyVerdict verdict) =>
        verdict.Outcome == PolicyOutcome.Accept ? throw new ArgumentException("A refusal cannot accept.", nameof(verdict)) : new(false, [], verdict);
}
