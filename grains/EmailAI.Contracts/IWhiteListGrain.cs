namespace EmailAI.Contracts;

/// <summary>
/// The white list of one local account (the key, a normalised address): the outside addresses its owner
/// trusts, added automatically when the owner relays mail to them through an authorised client (the relay
/// policy's <c>autoWhiteListRecipients</c>) or by an admin. Inbound mail from a listed sender to the owner is
/// marked <c>X-EmailAI-WhiteList: pass</c>.
/// </summary>
public interface IWhiteListGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<WhiteListEntry>> ListAsync();

    /// <summary>Adds (or keeps) an address, as an admin's entry. Invalid when the address is malformed or the list is full.</summary>
    Task<AdminResult> PutAsync(string address);

    Task<AdminResult> DeleteAsync(string address);

    /// <summary>Adds the recipients of mail the owner relayed, when the relay policy says so. Never fails the caller.</summary>
    [Orleans.Concurrency.OneWay]
    Task AddRelayedRecipientsAsync(IReadOnlyList<string> addresses);

    /// <summary>True when <paramref name="sender"/> is on the list; counts the match.</summary>
    Task<bool> TrustsAsync(string sender);

    /// <summary>Forgets the whole list (the account was deleted).</summary>
    Task ClearAsync();
}
