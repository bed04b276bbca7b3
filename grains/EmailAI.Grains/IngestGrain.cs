using EmailAI.Protocols.Common;
using System.Text;
using EmailAI.Contracts;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace EmailAI.Grains;

/// <summary>
/// Commits received mail to the message store in one transaction: the maildrop copy (content once, one
/// maildrop row per mailbox; recipients who white-listed the sender get a copy marked
/// <c>X-EmailAI-WhiteList: pass</c>) and, for relayed and forwarded recipients, the outbound copy with one
/// queue row per recipient. Then it wakes the delivery grain of each outbound destination. Stateless and local to
/// the calling silo, so ingest scales with the silo's cores and its writes share the store's group commit.
/// Reentrant: a call spends its time awaiting the commit, and without interleaving each activation would hold
/// one message at a time, so at most one per core would share a group commit. There is no state to protect.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class IngestGrain(IMessageStore store, TimeProvider time, ILogger<IngestGrain> logger) : Grain, IIngestGrain
{
    /// <summary>The trace field marking inbound mail from a sender on the recipient's white list.</summary>
    public const string WhiteListField = "X-EmailAI-WhiteList";

    public async Task DeliverAsync(IngestRequest request)
    {
        var mailboxes = request.Routes
            .Select(route => route switch { MaildropRoute m => m.Maildrop, PostmasterRoute p => p.Maildrop, _ => null })
            .OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var relayed = request.Routes.OfType<RelayRoute>().Select(r => r.Address).Distinct(StringComparer.Ordinal).ToArray();
        StoredMessage? plain = null;
        var copies = new List<LocalCopy>();
        if (mailboxes.Length > 0)
        {
            // A sender's own X-EmailAI-WhiteList field would pose as ours: local copies never keep one.
            var content = HeaderFields.Remove(request.Content, WhiteListField);
            var trusted = await TrustingMailboxesAsync(request.Sender, mailboxes);
            var others = mailboxes.Where(m => !trusted.Contains(m)).ToArray();

            // RFC 5321 §4.4: the final delivery adds Return-Path with the envelope sender (<> for bounces).
            var returnPath = $"Return-Path: <{request.Sender}>\r\n";
            if (others.Length > 0)
            {
                plain = new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, Prepend(returnPath, content));
            }

            if (trusted.Count > 0)
            {
                var marked = new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, Prepend(returnPath + WhiteListField + ": pass\r\n", content));
                copies.Add(new LocalCopy(marked, [.. mailboxes.Where(trusted.Contains)]));
            }

            mailboxes = others;
        }

        // Sent onwards exactly as received (with our Received header): no Return-Path, which only final delivery adds.
        var outboundRecipients = request.Routes
            .Select(route => route switch
            {
                RelayRoute r => new OutboundRecipient(r.Address, r.Destination),
                ForwardRoute f => new OutboundRecipient(f.Address, f.Destination),
                _ => null,
            })
            .OfType<OutboundRecipient>().Distinct().ToArray();
        var outbound = outboundRecipients.Length == 0
            ? null
            : new OutboundMessage(new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, request.Content), outboundRecipients, time.GetUtcNow());

        await store.CommitAsync(new StoreDelivery(plain, mailboxes, outbound, []) { AdditionalCopies = copies });
        foreach (var destination in outboundRecipients.Select(r => r.Destination).Distinct(StringComparer.Ordinal))
        {
            GrainFactory.GetGrain<IDeliveryGrain>(destination).WakeAsync().Ignore();
        }

        if (relayed.Length > 0)
        {
            // Not awaited: the white list is no reason to hold the client's 250 for another grain call.
            _ = AddToSendersWhiteListAsync(request, relayed);
        }
    }

    /// <summary>The mailboxes whose owners white-listed the sender (none for the null sender). A failed lookup counts as "not listed".</summary>
    private async Task<HashSet<string>> TrustingMailboxesAsync(string sender, string[] mailboxes)
    {
        if (sender.Length == 0)
        {
            return [];
        }

        try
        {
            var answers = await Task.WhenAll(mailboxes.Select(m => GrainFactory.GetGrain<IWhiteListGrain>(m).TrustsAsync(sender)));
            return [.. mailboxes.Where((_, i) => answers[i])];
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "White-list lookup for <{Sender}> failed; delivered unmarked", sender);
            return [];
        }
    }

    /// <summary>
    /// Auto white list: the relayed recipients join the white list of the sender when the sender is a local
    /// account (the white-list grain checks the relay policy's autoWhiteListRecipients). After the commit and
    /// one-way: it never delays or fails the 250.
    /// </summary>
    private async Task AddToSendersWhiteListAsync(IngestRequest request, string[] relayed)
    {
        try
        {
            if (await Delivery.LocalSender.ResolveAsync(GrainFactory, request.Sender) is { Resolution: { Kind: RecipientKind.Mailbox, Mailbox: { } mailbox } })
            {
                await GrainFactory.GetGrain<IWhiteListGrain>(mailbox).AddRelayedRecipientsAsync(relayed);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Auto white list for {QueueId} from <{Sender}> skipped", request.QueueId, request.Sender);
        }
    }

    private static byte[] Prepend(string fields, byte[] content)
    {
        var head = Encoding.UTF8.GetBytes(fields);
        var result = new byte[head.Length + content.Length];
        head.CopyTo(result, 0);
        content.CopyTo(result, head.Length);
        return result;
    }
}
