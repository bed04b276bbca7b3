using EmailAI.Contracts;

namespace EmailAI.Storage;

/// <summary>
/// The quarantine: messages held for a mailbox instead of delivered to its maildrop, written by
/// <see cref="IMessageStore.CommitAsync"/> (<see cref="StoreDelivery.QuarantineCopies"/>) in the delivery's own
/// transaction. A held row refers to message content like a maildrop row does, so content is kept while any maildrop,
/// queue or held row refers to it. Held ids come from a sequence and are never reused, so a repeated release or delete
/// of an id finds nothing rather than another message. Every write is durable when its task completes.
/// <see cref="QuarantinedMessage.ExpiresAt"/> is not the store's business: it is left at its default here.
/// </summary>
public interface IQuarantineStore
{
    /// <summary>The held messages of <paramref name="mailbox"/> with an id above <paramref name="afterId"/>, in id order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<QuarantinedMessage>> ListQuarantineAsync(string mailbox, long afterId, int limit, CancellationToken cancellationToken = default);

    Task<QuarantinedMessage?> GetQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default);

    Task<byte[]?> ReadQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a held message into the maildrop of the same mailbox in one transaction: the maildrop row (a new uid, the
    /// message's original time of receipt) appears and the held row goes, or neither. Returns the uid, or null when
    /// <paramref name="mailbox"/> holds no such id (never held, released or deleted already).
    /// </summary>
    Task<long?> ReleaseQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default);

    /// <summary>Discards a held message (and its content when nothing else refers to it); false when there is no such id.</summary>
    Task<bool> DeleteQuarantinedAsync(string mailbox, long id, CancellationToken cancellationToken = default);

    /// <summary>Discards every held message of <paramref name="mailbox"/>; returns how many.</summary>
    Task<int> ClearQuarantineAsync(string mailbox, CancellationToken cancellationToken = default);

    /// <summary>
    /// Discards up to <paramref name="limit"/> held messages, of any mailbox, held before <paramref name="cutoff"/>, oldest
    /// first, in one transaction; returns how many (fewer than the limit: nothing older is left).
    /// </summary>
    Task<int> ExpireQuarantineAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default);

    /// <summary>Every held message of every mailbox: how many, and their octets (the quarantine-size gauges).</summary>
    Task<(long Messages, long Bytes)> QuarantineTotalsAsync(CancellationToken cancellationToken = default);
}
