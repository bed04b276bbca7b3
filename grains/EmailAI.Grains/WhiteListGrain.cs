using EmailAI.Contracts;
using EmailAI.Grains.Policy;
using Microsoft.Extensions.Logging;

namespace EmailAI.Grains;

/// <summary>
/// One local account's white list; see <see cref="IWhiteListGrain"/>. Keyed by the owner rather than by the
/// outside address: the inbound check runs for each local recipient of a message, whose grain is already
/// active for any account in use, instead of activating (and reading from storage) one grain for every
/// distinct sender on the internet. "Last matched" times are kept in memory and written when the grain
/// deactivates, so a match costs no write.
/// </summary>
public sealed class WhiteListGrain(
    [PersistentState(StorageNames.WhiteListState, StorageNames.Provider)] IPersistentState<WhiteListState> state,
    TimeProvider time,
    RelayPolicyCache relayPolicy,
    ILogger<WhiteListGrain> logger) : Grain, IWhiteListGrain
{
    /// <summary>Most entries one owner's list holds; relayed recipients past it are not added.</summary>
    public const int MaxEntries = 10_000;

    private bool _matchesUnsaved;

    private string Owner => this.GetPrimaryKeyString();

    public Task<IReadOnlyList<WhiteListEntry>> ListAsync() =>
        Task.FromResult<IReadOnlyList<WhiteListEntry>>([.. state.State.Entries.Values.OrderBy(e => e.Address, StringComparer.Ordinal)]);

    public async Task<AdminResult> PutAsync(string address)
    {
        if (!TryNormalize(address, out var key))
        {
            return AdminResult.Invalid($"'{address}' is not a valid address");
        }

        if (state.State.Entries.ContainsKey(key))
        {
            return new AdminResult(AdminOutcome.Updated);
        }

        if (state.State.Entries.Count >= MaxEntries)
        {
            return AdminResult.Invalid($"the white list of '{Owner}' is full ({MaxEntries} entries)");
        }

        state.State.Entries[key] = new WhiteListEntry(key, time.GetUtcNow(), WhiteListSources.Admin, null);
        await state.WriteStateAsync();
        return new AdminResult(AdminOutcome.Created);
    }

    public async Task<AdminResult> DeleteAsync(string address)
    {
        if (!TryNormalize(address, out var key) || !state.State.Entries.Remove(key))
        {
            return AdminResult.NotFound($"'{address}' is not on the white list of '{Owner}'");
        }

        await state.WriteStateAsync();
        return new AdminResult(AdminOutcome.Deleted);
    }

    public async Task AddRelayedRecipientsAsync(IReadOnlyList<string> addresses)
    {
        try
        {
            var policy = await relayPolicy.GetAsync();
            if (!policy.Settings.AutoWhiteListRecipients)
            {
                return;
            }

            var now = time.GetUtcNow();
            var added = 0;
            foreach (var address in addresses)
            {
                if (TryNormalize(address, out var key) && key != Owner && !state.State.Entries.ContainsKey(key) && state.State.Entries.Count < MaxEntries)
                {
                    state.State.Entries[key] = new WhiteListEntry(key, now, WhiteListSources.Relayed, null);
                    added++;
                }
            }

            if (added > 0)
            {
                await state.WriteStateAsync();
                logger.LogInformation("Added {Count} relayed recipient(s) to the white list of {Owner}", added, Owner);
            }
        }
        catch (Exception ex)
        {
            // The mail itself is already committed; a missed white-list entry is retried by the next message.
            logger.LogWarning(ex, "Adding relayed recipients to the white list of {Owner} failed", Owner);
        }
    }

    public Task<bool> TrustsAsync(string sender)
    {
        if (!TryNormalize(sender, out var key) || !state.State.Entries.TryGetValue(key, out var entry))
        {
            return Task.FromResult(false);
        }

        state.State.Entries[key] = entry with { LastMatchedAt = time.GetUtcNow() };
        _matchesUnsaved = true;
        return Task.FromResult(true);
    }

    public async Task ClearAsync()
    {
        state.State.Entries.Clear();
        _matchesUnsaved = false;
        await state.ClearStateAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_matchesUnsaved)
        {
            await state.WriteStateAsync(cancellationToken);
        }
    }

    /// <summary>An outside address as a white-list key: <see cref="EmailAddress"/>'s normal form.</summary>
    private static bool TryNormalize(string? address, out string key)
    {
        key = EmailAddress.TryParse(address, out var parsed) ? parsed.Key : "";
        return key.Length > 0;
    }
}
