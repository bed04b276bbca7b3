using EmailAI.Contracts;

namespace EmailAI.Storage;

/// <summary>
/// Message content and maildrops. Content is stored once per message however many maildrops refer to
/// it; a maildrop is an append-only list of (uid, message) rows, so delivery cost does not grow with
/// mailbox size. Every write returns only after it is durable (fsync / transaction commit). The same
/// store holds the outbound queue (<see cref="IOutboundQueueStore"/>), so a message's local and outbound
/// recipients are committed in one transaction.
/// </summary>
public interface IMessageStore : IOutboundQueueStore
{
    /// <summary>
    /// Atomically stores the message and appends it to each maildrop. Either all maildrops get the message
    /// or none does. Returns the uids assigned, in the order of <paramref name="mailboxes"/>. The content
    /// must not change until the returned task has completed.
    /// </summary>
    Task<IReadOnlyList<long>> DeliverAsync(StoredMessage message, IReadOnlyList<string> mailboxes, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MaildropEntry>> ListMaildropAsync(string mailbox, CancellationToken cancellationToken = default);

    /// <summary>
    /// (count, total stored octets) of a maildrop, without listing it: the usage a quota is measured against, as of
    /// the last committed write. Never a scan of every message: the embedded store reads one row that triggers keep
    /// current; the cluster store an index that holds each row's size (an index-only scan of that maildrop's rows).
    /// </summary>
    Task<(int Count, long Bytes)> GetMaildropSummaryAsync(string mailbox, CancellationToken cancellationToken = default);

    /// <summary>Every maildrop that holds at least one message, by name (ordinal order), with its count and octets, read as above.</summary>
    Task<IReadOnlyList<MaildropSummary>> ListMaildropsAsync(CancellationToken cancellationToken = default);

    Task<byte[]?> ReadMessageAsync(string mailbox, long uid, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes messages from a maildrop (all of them when <paramref name="uids"/> is null) in one durable
    /// transaction, and the content of any message no maildrop refers to any more. Uids are never
    /// reused. Returns how many maildrop entries were removed; unknown uids are ignored.
    /// </summary>
    Task<int> DeleteMessagesAsync(string mailbox, IReadOnlyCollection<long>? uids, CancellationToken cancellationToken = default);

    /// <summary>Cheap check that the store answers, for readiness probes.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);
}
