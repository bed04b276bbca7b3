using EmailAI.Contracts;

namespace EmailAI.Grains.Delivery;

/// <summary>The rows of one message at one destination, loaded together and sent in as few transactions as the recipient cap allows.</summary>
internal sealed record DeliveryJob(IReadOnlyList<QueuedRecipient> Rows)
{
    public long MessageId => Rows[0].MessageId;

    public string Sender => Rows[0].Sender;

    public string QueueId => Rows[0].QueueId;

    /// <summary>The traceparent stored with the message (the transaction that queued it), when it has one.</summary>
    public string? TraceParent => Rows[0].TraceParent;
}
