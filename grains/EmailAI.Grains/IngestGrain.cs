using System.Text;
using EmailAI.Contracts;
using EmailAI.Storage;
using Orleans.Concurrency;

namespace EmailAI.Grains;

/// <summary>
/// Commits received mail to the message store: content once, one maildrop row per mailbox, in one
/// transaction. Stateless and local to the calling silo, so ingest scales with the silo's cores and its
/// writes share the store's group commit. Reentrant: a call spends its time awaiting the commit, and
/// without interleaving each activation would hold one message at a time, so at most one per core would
/// share a group commit. There is no state to protect.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class IngestGrain(IMessageStore store) : Grain, IIngestGrain
{
    public async Task DeliverAsync(IngestRequest request)
    {
        // RFC 5321 §4.4: the final delivery adds Return-Path with the envelope sender (<> for bounces).
        var returnPath = Encoding.UTF8.GetBytes($"Return-Path: <{request.Sender}>\r\n");
        var content = new byte[returnPath.Length + request.Content.Length];
        returnPath.CopyTo(content, 0);
        request.Content.CopyTo(content, returnPath.Length);

        var mailboxes = request.Mailboxes.Distinct(StringComparer.Ordinal).ToArray();
        await store.DeliverAsync(new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, content), mailboxes);
    }
}
