namespace EmailAI.Contracts;

/// <summary>
/// One message in a maildrop. <see cref="Uid"/> is unique within the maildrop, never reused and stable
/// across restarts (it becomes the POP3 UIDL); <see cref="Size"/> is the exact stored size in octets.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MaildropEntry(long Uid, long Size, DateTimeOffset ReceivedAt);
