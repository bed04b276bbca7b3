using EmailAI.Contracts;
using EmailAI.Grains.Policy;
using EmailAI.Grains.WhiteList;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains;

/// <summary>
/// One local account's white list; see <see cref="IWhiteListGrain"/>. Keyed by the owner rather than by the
/// outside address: the inbound check runs for each local recipient of a message, whose grain is already
/// active for any account in use, instead of activating (and reading from storage) one grain for every
/// distinct sender on the internet.
/// <para>
/// The entries are rows of an <see cref="IWhiteListStore"/>, read whole at activation into a <see cref="WhiteListBook"/>
/// so that <see cref="TrustsAsync"/> costs no I/O; an add or delete writes its own rows, and an add that would pass
/// <see cref="WhiteListOptions.MaxEntries"/> evicts the entries matched least recently in the same transaction.
/// "Last matched" times are kept in memory and written in one batch every <see cref="FlushInterval"/> and at
/// deactivation, so a match costs no write.
/// </para>
/// <para>
/// Migration: a list stored before the rows existed, as one grain-state document (<see cref="WhiteListState"/>), is
/// moved into the store at activation and the document cleared afterwards. The move is insert-if-absent, so an
/// activation that fails between the two steps moves it again, harmlessly, the next time.
/// </para>
/// </summary>
public sealed class WhiteListGrain(
    [PersistentState(StorageNames.WhiteListState, StorageNames.Provider)] IPersistentState<WhiteListState> legacy,
    IWhiteListStore store,
    IOptions<WhiteListOptions> options,
    TimeProvider time,
    RelayPolicyCache relayPolicy,
    ILogger<WhiteListGrain> logger) : Grain, IWhiteListGrain
{
    /// <summary>
    /// How often matches counted in memory are written. A crash loses at most this much of "last matched", which
    /// only makes the entries look older to the eviction.
    /// </summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMinutes(1);

    private WhiteListBook? _book;

    private string Owner => this.GetPrimaryKeyString();

    private WhiteListBook Book => _book ?? throw new InvalidOperationException("The white list is not loaded.");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _book = await WhiteListBook.LoadAsync(Owner, store, options.Value.MaxEntries, time, logger, cancellationToken);
        if (legacy.State.Entries.Count > 0)
        {
            var stored = legacy.State.Entries.Count;
            var moved = await _book.ImportAsync([.. legacy.State.Entries.Values]);
            await legacy.ClearStateAsync(cancellationToken);
            logger.LogInformation(
                "White list of {Owner}: moved {Moved} of {Stored} entries from grain state into the white-list table",
                Owner, moved.Count, stored);
        }

        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(FlushInterval, FlushInterval) { Interleave = false, KeepAlive = false });
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
    }

    public Task<IReadOnlyList<WhiteListEntry>> ListAsync() => Task.FromResult(Book.List());

    public async Task<AdminResult> PutAsync(string address)
    {
        if (!TryNormalize(address, out var key))
        {
            return AdminResult.Invalid($"'{address}' is not a valid address");
        }

        var added = await Book.AddAsync([key], WhiteListSources.Admin);
        return new AdminResult(added.Count > 0 ? AdminOutcome.Created : AdminOutcome.Updated);
    }

    public async Task<AdminResult> DeleteAsync(string address)
    {
        if (!TryNormalize(address, out var key) || !await Book.DeleteAsync(key))
        {
            return AdminResult.NotFound($"'{address}' is not on the white list of '{Owner}'");
        }

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

            var keys = addresses.Select(a => TryNormalize(a, out var key) ? key : "").Where(k => k.Length > 0 && k != Owner);
            var added = await Book.AddAsync(keys, WhiteListSources.Relayed);
            if (added.Count > 0)
            {
                logger.LogInformation("Added {Count} relayed recipient(s) to the white list of {Owner}", added.Count, Owner);
            }
        }
        catch (Exception ex)
        {
            // The mail itself is already committed; a missed white-list entry is retried by the next message.
            logger.LogWarning(ex, "Adding relayed recipients to the white list of {Owner} failed", Owner);
        }
    }

    public Task<bool> TrustsAsync(string sender) =>
        Task.FromResult(TryNormalize(sender, out var key) && Book.Trusts(key));

    public Task ClearAsync() => Book.ClearAsync();

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Book.FlushMatchesAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            // Kept in memory: the next flush writes them.
            logger.LogWarning(ex, "Writing {Count} white-list match time(s) of {Owner} failed", Book.UnsavedMatches, Owner);
        }
    }

    /// <summary>An outside address as a white-list key: <see cref="EmailAddress"/>'s normal form.</summary>
    private static bool TryNormalize(string? address, out string key)
    {
        key = EmailAddress.TryParse(address, out var parsed) ? parsed.Key : "";
        return key.Length > 0;
    }
}
