namespace EmailAI.Storage;

/// <summary>
/// What a <see cref="StoreDelivery"/> asks a store to write, checked and copied when the call is made, so
/// both stores accept and refuse exactly the same deliveries and a caller's lists may change once the call
/// has returned. The content buffers are not copied: they must stay unchanged until the write completes.
/// </summary>
/// <param name="Copies">The maildrop copies with at least one mailbox each, the main one first; uids are returned in this order.</param>
/// <param name="Outbound">The outbound copy, or null when it has no recipients (an empty list writes nothing).</param>
/// <param name="Recipients">The outbound recipients.</param>
/// <param name="Completes">Queue row ids to remove, duplicates dropped.</param>
internal sealed record DeliveryPlan(
    LocalCopy[] Copies,
    OutboundMessage? Outbound,
    OutboundRecipient[] Recipients,
    long[] Completes)
{
    /// <summary>The further outbound messages (<see cref="StoreDelivery.AdditionalOutbound"/>), each with at least one recipient.</summary>
    public OutboundMessage[] AdditionalOutbound { get; init; } = [];

    /// <summary>Queue row ids to mark as warned of delay, duplicates dropped.</summary>
    public long[] DelayWarned { get; init; } = [];

    /// <summary>Every row of <see cref="Completes"/> and <see cref="DelayWarned"/> must exist, or nothing is written (<see cref="StoreDelivery.RequiresRows"/>).</summary>
    public bool RequiresRows { get; init; }

    /// <summary>The held copies (<see cref="StoreDelivery.QuarantineCopies"/>), each with at least one mailbox.</summary>
    public QuarantineCopy[] Quarantine { get; init; } = [];

    /// <exception cref="ArgumentException">The delivery has nothing to do, or has mailboxes but no message.</exception>
    public static DeliveryPlan From(StoreDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        string[] mailboxes = [.. delivery.Mailboxes];
        if (mailboxes.Length > 0 && delivery.Message is null)
        {
            throw new ArgumentException("A delivery to maildrops needs the message.", nameof(delivery));
        }

        LocalCopy[] copies =
        [
            .. mailboxes.Length > 0 ? [new LocalCopy(delivery.Message!, mailboxes)] : Array.Empty<LocalCopy>(),
            .. delivery.AdditionalCopies.Where(c => c.Mailboxes.Count > 0).Select(c => c with { Mailboxes = [.. c.Mailboxes] }),
        ];

        OutboundRecipient[] recipients = delivery.Outbound is null ? [] : [.. delivery.Outbound.Recipients];
        OutboundMessage[] moreOutbound =
            [.. delivery.AdditionalOutbound.Where(o => o.Recipients.Count > 0).Select(o => o with { Recipients = [.. o.Recipients] })];
        if (recipients.Concat(moreOutbound.SelectMany(o => o.Recipients)).Any(r => string.IsNullOrWhiteSpace(r.Destination) || string.IsNullOrEmpty(r.Recipient)))
        {
            throw new ArgumentException("An outbound recipient needs an address and a destination.", nameof(delivery));
        }

        long[] completes = [.. delivery.Completes.Distinct()];
        QuarantineCopy[] quarantine = [.. delivery.QuarantineCopies.Where(c => c.Mailboxes.Count > 0).Select(c => c with { Mailboxes = [.. c.Mailboxes.Distinct()] })];
        if (copies.Length == 0 && recipients.Length == 0 && moreOutbound.Length == 0 && completes.Length == 0 && quarantine.Length == 0)
        {
            throw new ArgumentException("A delivery needs a maildrop, a quarantine, an outbound recipient or a queue row to complete.", nameof(delivery));
        }

        return new DeliveryPlan(
            copies,
            recipients.Length > 0 ? delivery.Outbound : null,
            recipients,
            completes)
        {
            AdditionalOutbound = moreOutbound,
            DelayWarned = [.. delivery.MarksDelayWarned.Distinct()],
            RequiresRows = delivery.RequiresRows,
            Quarantine = quarantine,
        };
    }
}
