namespace EmailAI.Contracts;

/// <summary>
/// A queue row: one recipient of one outbound message, with its delivery history. <paramref name="QueueId"/>,
/// <paramref name="Sender"/>, <paramref name="ReceivedAt"/> and <paramref name="Size"/> (octets) come from the
/// message's content row, which <paramref name="MessageId"/> names for the store's ReadOutboundAsync.
/// Ids are never reused, even after the row with the highest one is removed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QueuedRecipient(
    long Id,
    long MessageId,
    string QueueId,
    string Sender,
    string Recipient,
    string Destination,
    DateTimeOffset ReceivedAt,
    long Size,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    string? LastError,
    bool DelayWarned);
