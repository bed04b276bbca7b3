namespace EmailAI.Contracts;

/// <summary>
/// What ingest did with a message. <see cref="Stored"/>: committed for every recipient that can take it, and
/// <see cref="OverQuota"/> lists the maildrops that could not (RFC 3463 5.2.2), reported to the envelope sender in a
/// failure DSN committed in the same transaction (none for the null sender). Not stored: no recipient could take
/// it, because each was a mailbox over its quota, and nothing was committed; the client gets 552 5.2.2.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IngestResult(bool Stored, IReadOnlyList<string> OverQuota)
{
    public static readonly IngestResult Delivered = new(true, []);

    public static IngestResult MailboxFull(IReadOnlyList<string> overQuota) => new(false, overQuota);
}
