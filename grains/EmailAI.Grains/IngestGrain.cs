using System.Text;
using EmailAI.Contracts;
using EmailAI.Storage;
using Orleans.Concurrency;

namespace EmailAI.Grains;

/// <summary>
/// Commits received mail to the message store in one transaction: the maildrop copy (content once, one
/// maildrop row per mailbox) and, for relayed and forwarded recipients, the outbound copy with one queue
/// row per recipient. Then it wakes the delivery grain of each outbound destination. Stateless and local to
/// the calling silo, so ingest scales with the silo's cores and its writes share the store's group commit.
/// Reentrant: a call spends its time awaiting the commit, and without interleaving each activation would hold
/// one message at a time, so at most one per core would share a group commit. There is no state to protect.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class IngestGrain(IMessageStore store, TimeProvider time) : Grain, IIngestGrain
{
    public async Task DeliverAsync(IngestRequest request)
    {
        StoredMessage? local = null;
        var mailboxes = request.Mailboxes.Distinct(StringComparer.Ordinal).ToArray();
        if (mailboxes.Length > 0)
        {
            // RFC 5321 §4.4: the final delivery adds Return-Path with the envelope sender (<> for bounces).
            var returnPath = Encoding.UTF8.GetBytes($"Return-Path: <{request.Sender}>\r\n");
            var content = new byte[returnPath.Length + request.Content.Length];
            returnPath.CopyTo(content, 0);
            request.Content.CopyTo(content, returnPath.Length);
            local = new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, content);
        }

        // Sent onwards exactly as received (with our Received header): no Return-Path, which only final delivery adds.
        var outboundRecipients = request.Relayed.Concat(request.Forwarded)
            .Distinct(StringComparer.Ordinal)
            .Select(address => new OutboundRecipient(address, DestinationOf(address)))
            .ToArray();
        var outbound = outboundRecipients.Length == 0
            ? null
            : new OutboundMessage(new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, request.Content), outboundRecipients, time.GetUtcNow());

        await store.CommitAsync(new StoreDelivery(local, mailboxes, outbound, []));
        foreach (var destination in outboundRecipients.Select(r => r.Destination).Distinct(StringComparer.Ordinal))
        {
            GrainFactory.GetGrain<IDeliveryGrain>(destination).WakeAsync().Ignore();
        }
    }

    /// <summary>The queue of an address: its domain, normalised (the gateway accepted only valid domains).</summary>
    internal static string DestinationOf(string address) =>
        GrainKeys.Domain(address[(address.LastIndexOf('@') + 1)..]);
}
