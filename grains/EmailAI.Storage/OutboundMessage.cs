namespace EmailAI.Storage;

/// <summary>
/// A message to send onwards: its content (exactly the bytes to transmit) and one entry per recipient. All
/// recipients share one content row, removed with the last of their queue rows.
/// </summary>
public sealed record OutboundMessage(StoredMessage Message, IReadOnlyList<OutboundRecipient> Recipients, DateTimeOffset FirstAttemptAt);
