using EmailAI.Contracts;
namespace EmailAI.Storage;

/// <summary>
/// What a <see cref="StoreDelivery"/> asks a store to write, checked and copied when the call is made, so
/// both stores accept and refuse exactly the same deliveries and a caller's lists may change once the call
/// has returned. The content buffers are not copied: they must stay unchanged until the write completes.
/// </summary>
/// <param name="Local">The maildrop copy, or null when there are no mailboxes.</param>
/// <param name="Mailboxes">The maildrops to append <paramref name="Local"/> to, in the caller's order.</param>
/// <param name="Outbound">The outbound copy, or null when it has no recipients (an empty list writes nothing).</param>
/// <param name="Recipients">The outbound recipients.</param>
/// <param name="Completes">Queue row ids to remove, duplicates dropped.</param>
internal sealed record DeliveryPlan(
    StoredMessage? Local,
    string[] Mailboxes,
    OutboundMessage? Outbound,
    OutboundRecipient[] Recipients,
    long[] Completes)
{
    /// <exception cref="ArgumentException">The delivery has nothing to do, or has mailboxes but no message.</exception>
    public static DeliveryPlan From(StoreDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        string[] mailboxes = [.. delivery.Mailboxes];
        if (mailboxes.Length > 0 && delivery.Message is null)
        {
            throw new ArgumentException("A delivery to maildrops needs the message.", nameof(delivery));
        }

        OutboundRecipient[] recipients = delivery.Outbound is null ? [] : [.. delivery.Outbound.Recipients];
        long[] completes = [.. delivery.Completes.Distinct()];
        if (mailboxes.Length == 0 && recipients.Length == 0 && completes.Length == 0)
        {
            throw new ArgumentException("A delivery needs a maildrop, an outbound recipient or a queue row to complete.", nameof(delivery));
        }

        return new DeliveryPlan(
            mailboxes.Length > 0 ? delivery.Message : null,
            mailboxes,
            recipients.Length > 0 ? delivery.Outbound : null,
            recipients,
            completes);
    }
}
