namespace EmailAI.Contracts;

/// <summary>
/// The white list of one local account (the key, a normalised address): the outside addresses its owner
/// trusts, added automatically when the owner really sent mail to them (ingest decides: a session authenticated as
/// the owner, or an Authorised IP client; the relay policy's <c>autoWhiteListRecipients</c> switches it off) or by
/// an admin. Inbound mail from a listed sender to the owner is marked <c>X-EmailAI-WhiteList: pass</c>. Bounded by
/// <c>EmailAI:WhiteList:MaxEntries</c>: an add past it evicts the entries matched least recently.
/// </summary>
public interface IWhiteListGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<WhiteListEntry>> ListAsync();

    /// <summary>
    /// Adds (Created) or keeps (Updated) an address, as an admin's entry; a full list evicts its entries matched least
    /// recently to make room. Invalid when the address is malformed.
    /// </summary>
    Task<AdminResult> PutAsync(string address);

    Task<AdminResult> DeleteAsync(string address);

    /// <summary>
    /// Adds the recipients of mail the owner relayed (the caller has established that the owner sent it), when the
    /// relay policy's <c>autoWhiteListRecipients</c> is on. Never fails the caller.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task AddRelayedRecipientsAsync(IReadOnlyList<string> addresses);

    /// <summary>
    /// True when <paramref name="sender"/> (any spelling <see cref="EmailAddress"/> folds) is on the list; counts the
    /// match (<see cref="WhiteListEntry.LastMatchedAt"/>) in memory, without I/O.
    /// </summary>
    Task<bool> TrustsAsync(string sender);

    /// <summary>Forgets the whole list (the account was deleted).</summary>
    Task ClearAsync();
}
