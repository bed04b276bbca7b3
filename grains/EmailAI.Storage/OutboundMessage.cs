namespace EmailAI.Storage;

/// <summary>
/// A message to send onwards: its content (exactly the bytes to transmit) and one entry per recipient. All
/// recipients share one content row, removed with the last of their queue rows.
/// </summary>
public sealed record OutboundMessage(StoredMessage Message, IReadOnlyList<OutboundRecipient> Recipients, DateTimeOffset FirstAttemptAt)
{
    /// <summary>
    /// The W3C traceparent of the work that queued the message (stored with its content row and returned as
    /// <see cref="Contracts.QueuedRecipient.TraceParent"/>), or null; at most <see cref="MaxTraceParentLength"/> characters are kept.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>A W3C traceparent is 55 characters; anything longer is not one and is not stored.</summary>
    public const int MaxTraceParentLength = 55;

    /// <summary>The trace parent to store: <see cref="TraceParent"/> when it has the length of one, else null.</summary>
    public string? StoredTraceParent => TraceParent is { Length: > 0 and <= MaxTraceParentLength } ? TraceParent : null;
}
