using EmailAI.Contracts;

namespace EmailAI.Storage;

/// <summary>
/// Everything one received message becomes, committed in one transaction: maildrop rows for local
/// mailboxes and outbound queue rows for recipients delivered over SMTP (relay and Advanced Delivery).
/// Local and outbound copies differ only by the Return-Path header that final delivery adds, so the
/// outbound copy is its own content row. Queue rows listed in <see cref="Completes"/> are removed in the
/// same transaction: a bounce (DSN) replaces the queue rows it reports on, never both or neither.
/// An <see cref="Outbound"/> with no recipients counts as none: no content row is written for it.
/// </summary>
/// <param name="Message">Content and envelope of the maildrop copy; required when <paramref name="Mailboxes"/> is not empty.</param>
/// <param name="Mailboxes">Local maildrops to append the message to.</param>
/// <param name="Outbound">The copy to send onwards, with its recipients; null when there are none.</param>
/// <param name="Completes">Queue row ids to remove in the same transaction (may be empty; unknown ids are ignored).</param>
public sealed record StoreDelivery(
    StoredMessage? Message,
    IReadOnlyList<string> Mailboxes,
    OutboundMessage? Outbound,
    IReadOnlyCollection<long> Completes)
{
    /// <summary>
    /// More maildrop copies with content of their own, committed in the same transaction: for recipients whose
    /// copy differs (a white-list trace header). Their uids follow those of <see cref="Mailboxes"/>, in order.
    /// </summary>
    public IReadOnlyList<LocalCopy> AdditionalCopies { get; init; } = [];

    /// <summary>Queue rows to mark as warned of delay in the same transaction, so the warning this delivery carries goes once.</summary>
    public IReadOnlyCollection<long> MarksDelayWarned { get; init; } = [];

    /// <summary>
    /// When true, the commit changes nothing and throws <see cref="QueueRowsGoneException"/> if any row of
    /// <see cref="Completes"/> or <see cref="MarksDelayWarned"/> no longer exists: a notice about a row an admin
    /// deleted meanwhile is not sent.
    /// </summary>
    public bool RequiresRows { get; init; }
}

/// <summary>A maildrop copy: content and envelope, and the maildrops it is appended to.</summary>
public sealed record LocalCopy(StoredMessage Message, IReadOnlyList<string> Mailboxes);

/// <summary>
/// A message to send onwards: its content (exactly the bytes to transmit) and one entry per recipient. All
/// recipients share one content row, removed with the last of their queue rows.
/// </summary>
public sealed record OutboundMessage(StoredMessage Message, IReadOnlyList<OutboundRecipient> Recipients, DateTimeOffset FirstAttemptAt);

/// <summary>
/// One recipient of an outbound message. <paramref name="Recipient"/> is the address as it will appear in
/// RCPT TO (local part case preserved); <paramref name="Destination"/> is the queue it waits in, the
/// recipient's normalised domain, which is what one delivery grain owns and connects to.
/// </summary>
public sealed record OutboundRecipient(string Recipient, string Destination);

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

    /// <summary>Records a failed attempt: attempts + 1, the error (replacing the previous one), and the next attempt time; ends any claim.</summary>
    Task DeferAsync(IReadOnlyCollection<long> ids, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default);

    /// <summary>Sets the next attempt time without counting an attempt or touching the last error (admin "retry now"). Returns how many rows changed.</summary>
    Task<int> RescheduleAsync(IReadOnlyCollection<long> ids, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default);

    /// <summary>Marks rows whose sender was sent a delay warning, so it is sent once.</summary>
    Task MarkDelayWarnedAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default);
}
