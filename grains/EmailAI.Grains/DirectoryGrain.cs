using EmailAI.Contracts;

namespace EmailAI.Grains;

/// <summary>The list of local domains, for the admin API's listings. Changes only when a domain is added or removed.</summary>
public sealed class DirectoryGrain(
    [PersistentState(StorageNames.DirectoryState, StorageNames.Provider)] IPersistentState<DirectoryState> state) : Grain, IDirectoryGrain
{
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
