namespace EmailAI.Storage;

/// <summary>
/// A copy held in the quarantines of <see cref="Mailboxes"/> instead of their maildrops: content stored once, one held
/// row per mailbox carrying <see cref="Metadata"/>. Its size counts against no maildrop quota until it is released.
/// </summary>
public sealed record QuarantineCopy(StoredMessage Message, IReadOnlyList<string> Mailboxes, QuarantineMetadata Metadata);
