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

    /// <summary>
    /// Copies held in quarantines instead of maildrops (<see cref="IQuarantineStore"/>), committed in the same
    /// transaction as the rest. They return no uids.
    /// </summary>
    public IReadOnlyList<QuarantineCopy> QuarantineCopies { get; init; } = [];

    /// <summary>
    /// More outbound messages with content and recipients of their own, committed in the same transaction: a
    /// notice (DSN) that ingest sends to a remote sender together with the message's own outbound copy. One without
    /// recipients writes nothing.
    /// </summary>
    public IReadOnlyList<OutboundMessage> AdditionalOutbound { get; init; } = [];

    /// <summary>Queue rows to mark as warned of delay in the same transaction, so the warning this delivery carries goes once.</summary>
    public IReadOnlyCollection<long> MarksDelayWarned { get; init; } = [];

    /// <summary>
    /// When true, the commit changes nothing and throws <see cref="QueueRowsGoneException"/> if any row of
    /// <see cref="Completes"/> or <see cref="MarksDelayWarned"/> no longer exists: a notice about a row an admin
    /// deleted meanwhile is not sent.
    /// </summary>
    public bool RequiresRows { get; init; }
}
