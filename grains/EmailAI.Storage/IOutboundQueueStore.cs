using EmailAI.Contracts;

namespace EmailAI.Storage;

/// <summary>
/// Queue operations of <see cref="IMessageStore"/>. Every write is durable when its task completes, and each
/// call is atomic. Calls taking ids ignore unknown ids and count a repeated id once, so a retried call is
/// harmless (except <see cref="DeferAsync"/>, which counts the attempt again). Times are stored in UTC to the
/// millisecond (embedded store) or microsecond (cluster store). A negative limit throws
/// <see cref="ArgumentOutOfRangeException"/>.
/// </summary>
public interface IOutboundQueueStore
{
    /// <summary>
    /// Commits everything <paramref name="delivery"/> describes in one transaction: all of it or none. Returns
    /// the maildrop uids in mailbox order (empty when there are no mailboxes). New queue rows have no attempts
    /// and are due at <see cref="OutboundMessage.FirstAttemptAt"/>. The content buffers must not change until
    /// the returned task has completed.
    /// </summary>
    /// <exception cref="ArgumentException">Nothing to do (no mailbox, no outbound recipient, no row to complete), or mailboxes without a message.</exception>
    Task<IReadOnlyList<long>> CommitAsync(StoreDelivery delivery, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rows of <paramref name="destination"/> whose next attempt is at or before <paramref name="now"/> and that no
    /// one holds a live claim on (see <see cref="ClaimAsync"/>), oldest attempt first (then by id), at most
    /// <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<QueuedRecipient>> ListDueAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims rows for one send (a lease): a row is claimed for <paramref name="owner"/> until
    /// <paramref name="until"/> only when it still exists and has no claim, a claim that expired at or before
    /// <paramref name="now"/>, or a claim of the same owner (which is then extended). Atomic per call, and
    /// between concurrent callers: of two owners claiming one row, exactly one gets it. Returns the ids claimed;
    /// a deleted row, or one another owner holds, is left out. The claim ends when the row is completed,
    /// deferred, released or the claim expires.
    /// </summary>
    Task<IReadOnlyList<long>> ClaimAsync(IReadOnlyCollection<long> ids, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>Ends the claims <paramref name="owner"/> holds on the rows, without counting an attempt; others' claims are kept. Returns how many were released.</summary>
    Task<int> ReleaseClaimAsync(IReadOnlyCollection<long> ids, string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// The destinations that have at least one unclaimed row due at <paramref name="now"/>, each once, at most
    /// <paramref name="limit"/>: the most overdue first, so a limit smaller than the backlog starves none.
    /// </summary>
    Task<IReadOnlyList<string>> ListDueDestinationsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>The earliest time any row of <paramref name="destination"/> can be sent (its next attempt, or the end of its claim if later), or null when it has none.</summary>
    Task<DateTimeOffset?> GetNextAttemptAsync(string destination, CancellationToken cancellationToken = default);

    /// <summary>All rows, ordered by id, after <paramref name="afterId"/>, at most <paramref name="limit"/> (the admin API's paging).</summary>
    Task<IReadOnlyList<QueuedRecipient>> ListQueueAsync(long afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>The rows of the outbound message(s) with this queue id (the id the 250 reply and the log show), by id, at most <paramref name="limit"/>; empty when none is queued.</summary>
    Task<IReadOnlyList<QueuedRecipient>> ListByQueueIdAsync(string queueId, int limit, CancellationToken cancellationToken = default);

    /// <summary>One row, or null.</summary>
    Task<QueuedRecipient?> GetQueuedAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>The content of an outbound message, or null when no queue row refers to it (any more): a maildrop's content is not returned.</summary>
    Task<byte[]?> ReadOutboundAsync(long messageId, CancellationToken cancellationToken = default);

    /// <summary>Removes rows (delivered, or deleted by an admin) and any content nothing refers to any more. Returns how many rows were removed.</summary>
    Task<int> CompleteAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a failed attempt: attempts + 1, the error (replacing the previous one) and when it came, the next attempt
    /// time, and the attempt in the row's history (<see cref="ListAttemptsAsync"/>: <paramref name="host"/>, null when
    /// no remote host answered); ends any claim. A hold put on the row during the attempt stays.
    /// </summary>
    Task DeferAsync(IReadOnlyCollection<long> ids, DateTimeOffset nextAttemptAt, string error, DateTimeOffset attemptedAt, string? host, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rows meeting <paramref name="filter"/> (see <see cref="QueueFilter"/>) with an id above its AfterId, by id, at
    /// most <paramref name="limit"/>: the admin API's search and the set a bulk action works through.
    /// </summary>
    Task<IReadOnlyList<QueuedRecipient>> SearchQueueAsync(QueueFilter filter, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// The queue per destination (see <see cref="QueueDestination"/>; Connections is 0 here), destinations in ordinal
    /// order after <paramref name="after"/> (null: from the first), at most <paramref name="limit"/>; Sending counts
    /// claims live at <paramref name="now"/>.
    /// </summary>
    Task<IReadOnlyList<QueueDestination>> ListQueueDestinationsAsync(DateTimeOffset now, string? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// The failed attempts recorded for these rows, by row id then time; the newest <see cref="MaxAttemptsKept"/> of
    /// each row are kept. A row's history goes with the row.
    /// </summary>
    Task<IReadOnlyList<QueueAttempt>> ListAttemptsAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts rows on hold (<paramref name="held"/>): they are not listed as due, their destinations are not due for
    /// them, and no new claim is taken on them; a claim already held runs to its end. Or ends the hold and makes the
    /// rows due at <paramref name="now"/>. Returns how many rows changed (a row already in that state does not).
    /// </summary>
    Task<int> SetHeldAsync(IReadOnlyCollection<long> ids, bool held, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Failed attempts kept per queue row: the newest ones (a queue lifetime of 5 days at the default backoff makes about 110).</summary>
    public const int MaxAttemptsKept = 200;

    /// <summary>Sets the next attempt time without counting an attempt or touching the last error (admin "retry now"). Returns how many rows changed.</summary>
    Task<int> RescheduleAsync(IReadOnlyCollection<long> ids, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default);

    /// <summary>Marks rows whose sender was sent a delay warning, so it is sent once.</summary>
    Task MarkDelayWarnedAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default);
}
