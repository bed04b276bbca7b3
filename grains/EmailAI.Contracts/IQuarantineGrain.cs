namespace EmailAI.Contracts;

/// <summary>
/// The quarantine of one mailbox (the key, a normalised address): mail from unlisted senders held instead of delivered
/// when the account's <c>"unlistedSenders"</c> is <c>quarantine</c>. The held rows live in the message store, so this
/// grain holds no state; it runs on a silo, which has the store (a gateway-only process has none). Calls of one
/// mailbox are serialised, so two admins releasing the same message take turns and the second finds it gone.
/// </summary>
public interface IQuarantineGrain : IGrainWithStringKey
{
    /// <summary>The held messages in id (arrival) order after <paramref name="afterId"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<QuarantinedMessage>> ListAsync(long afterId, int limit);

    /// <summary>One held message's metadata, or null.</summary>
    Task<QuarantinedMessage?> GetAsync(long id);

    /// <summary>The held bytes (as POP3 would retrieve them after a release), or null.</summary>
    Task<byte[]?> ReadAsync(long id);

    /// <summary>
    /// Moves the message into the maildrop in one transaction (the maildrop row appears and the held row goes, or
    /// neither), then, when its <c>From:</c> domain was authenticated, adds the <c>From:</c> address to the white list.
    /// Like a delivery, a release adds to a maildrop a POP3 session holds locked: that session's list stays as it was at
    /// its lock (RFC 1939 §5), and the next session sees the message. Repeating it is NotFound.
    /// </summary>
    Task<QuarantineRelease> ReleaseAsync(long id);

    /// <summary>Discards a held message: Deleted, or NotFound.</summary>
    Task<AdminResult> DeleteAsync(long id);

    /// <summary>Discards every held message (the account was deleted). Safe to repeat.</summary>
    Task ClearAsync();
}
