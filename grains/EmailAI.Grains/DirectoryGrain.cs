using EmailAI.Contracts;
using EmailAI.Storage;

namespace EmailAI.Grains;

/// <summary>
/// The list of local domains, for the admin API's listings. Changes only when a domain is added or removed. The
/// list of maildrops is the message store's, read through here for the admin API.
/// </summary>
public sealed class DirectoryGrain(
    [PersistentState(StorageNames.DirectoryState, StorageNames.Provider)] IPersistentState<DirectoryState> state,
    IMessageStore store) : Grain, IDirectoryGrain
{
    public Task<IReadOnlyList<MaildropSummary>> ListMaildropsAsync() => store.ListMaildropsAsync();

    public Task<IReadOnlyList<string>> ListDomainsAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Domains.Order(StringComparer.Ordinal)]);

    public async Task AddDomainAsync(string domain)
    {
        if (state.State.Domains.Add(domain))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveDomainAsync(string domain)
    {
        if (state.State.Domains.Remove(domain))
        {
            await state.WriteStateAsync();
        }
    }
}
