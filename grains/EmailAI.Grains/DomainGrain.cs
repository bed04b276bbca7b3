using EmailAI.Contracts;
using EmailAI.Grains.Policy;
using EmailAI.Grains.Quota;

namespace EmailAI.Grains;

/// <summary>
/// A local domain. Grain calls are not reentrant, so PUT/DELETE and account registration are serialised
/// per domain and a RCPT never sees a half-applied change. The account set is rewritten only when an
/// account is added or removed, never per message.
/// </summary>
public sealed class DomainGrain(
    [PersistentState(StorageNames.DomainState, StorageNames.Provider)] IPersistentState<DomainState> state,
    IGrainFactory grains,
    RelayPolicyCache relayPolicy,
    MaildropQuota quota,
    ServerPostmaster serverPostmaster) : Grain, IDomainGrain
{
    private RecipientRules? _rules;

    private string Name => this.GetPrimaryKeyString();

    /// <summary>
    /// One RCPT for this domain (or a bare postmaster when this is the server's own name), decided by the shared
    /// rules with this grain's own answer for the local part: one grain call, from memory.
    /// </summary>
    public Task<PolicyVerdict> DecideRecipientAsync(RecipientRequest request)
    {
        _rules ??= new RecipientRules(relayPolicy, ResolveForRulesAsync, quota, serverPostmaster);
        return _rules.DecideAsync(request);
    }

    private async Task<RecipientResolution?> ResolveForRulesAsync(string domain, string localPart) =>
        domain == Name ? await ResolveAsync(localPart) : await grains.GetGrain<IDomainGrain>(domain).ResolveAsync(localPart);

    public Task<DomainInfo?> GetAsync() => Task.FromResult(state.State.Exists ? ToInfo() : null);

    public async Task<AdminResult> PutAsync(DomainSettings settings)
    {
        var error = DeliverySettings.Validate(settings.Delivery);
        if (error is not null)
        {
            return AdminResult.Invalid(error);
        }

        if (settings.QuotaBytes < 0)
        {
            return AdminResult.Invalid("quotaBytes must be 0 (unlimited) or a positive number of octets");
        }

        string? postmaster = null;
        if (!string.IsNullOrEmpty(settings.Postmaster))
        {
            if (!GrainKeys.TryNormalizeAddress(settings.Postmaster, out postmaster))
            {
                return AdminResult.Invalid($"postmaster '{settings.Postmaster}' is not a valid address");
            }

            // The postmaster's maildrop must be one of ours, or its mail would be stored where nobody reads it.
            var postmasterDomain = GrainKeys.DomainOf(postmaster);
            if (postmasterDomain != Name && await grains.GetGrain<IDomainGrain>(postmasterDomain).GetAsync() is null)
            {
                return AdminResult.Invalid($"postmaster '{postmaster}' is not at a local domain");
            }
        }

        var created = !state.State.Exists;
        state.State.Exists = true;
        state.State.Delivery = settings.Delivery.Normalized();
        state.State.Postmaster = postmaster;
        state.State.QuotaBytes = settings.QuotaBytes;
        await state.WriteStateAsync();
        if (created)
        {
            // After our own write: a crash in between leaves a working domain missing from listings,
            // which the admin's retry of the same PUT repairs.
            await grains.GetGrain<IDirectoryGrain>(GrainKeys.Directory).AddDomainAsync(Name);
        }

        return new AdminResult(created ? AdminOutcome.Created : AdminOutcome.Updated);
    }

    public async Task<AdminResult> DeleteAsync()
    {
        if (!state.State.Exists)
        {
            return AdminResult.NotFound($"domain '{Name}' is not a local domain");
        }

        if (state.State.Accounts.Count > 0)
        {
            return AdminResult.Conflict($"domain '{Name}' still has {state.State.Accounts.Count} account(s); delete them first");
        }

        await grains.GetGrain<IDirectoryGrain>(GrainKeys.Directory).RemoveDomainAsync(Name);
        await state.ClearStateAsync();
        state.State = new DomainState();
        return new AdminResult(AdminOutcome.Deleted);
    }

    public Task<RecipientResolution> ResolveAsync(string localPart)
    {
        var domain = state.State;
        if (!domain.Exists)
        {
            return Task.FromResult(RecipientResolution.NotLocal);
        }

        if (domain.Delivery.IsForward)
        {
            return Task.FromResult(new RecipientResolution(RecipientKind.Forward, null, domain.Delivery));
        }

        if (domain.ForwardedAccounts.TryGetValue(localPart, out var route))
        {
            // Advanced Delivery of one account: queued for its server, under the account's own destination.
            return Task.FromResult(new RecipientResolution(RecipientKind.Forward, $"{localPart}@{Name}", route));
        }

        if (domain.Accounts.Contains(localPart))
        {
            var own = domain.AccountQuotas.TryGetValue(localPart, out var bytes) ? bytes : (long?)null;
            return Task.FromResult(new RecipientResolution(RecipientKind.Mailbox, $"{localPart}@{Name}") { QuotaBytes = own ?? domain.QuotaBytes });
        }

        if (localPart == "postmaster")
        {
            // RFC 5321 §4.5.1: postmaster is always accepted; the rules find the account it goes to.
            return Task.FromResult(new RecipientResolution(RecipientKind.Postmaster, domain.Postmaster));
        }

        return Task.FromResult(RecipientResolution.UnknownUser);
    }

    public async Task<bool> AddAccountAsync(string localPart, DeliverySettings? forward = null, long? quotaBytes = null)
    {
        if (!state.State.Exists)
        {
            return false;
        }

        var changed = state.State.Accounts.Add(localPart);
        if (quotaBytes is { } bytes)
        {
            changed |= !state.State.AccountQuotas.TryGetValue(localPart, out var old) || old != bytes;
            state.State.AccountQuotas[localPart] = bytes;
        }
        else
        {
            changed |= state.State.AccountQuotas.Remove(localPart);
        }

        if (forward is { IsForward: true })
        {
            changed |= !state.State.ForwardedAccounts.TryGetValue(localPart, out var old) || old != forward;
            state.State.ForwardedAccounts[localPart] = forward;
        }
        else
        {
            changed |= state.State.ForwardedAccounts.Remove(localPart);
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }

        return true;
    }

    public async Task RemoveAccountAsync(string localPart)
    {
        if (state.State.Accounts.Remove(localPart) | state.State.ForwardedAccounts.Remove(localPart) | state.State.AccountQuotas.Remove(localPart))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAccountsAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Accounts.Order(StringComparer.Ordinal).Select(local => $"{local}@{Name}")]);

    private DomainInfo ToInfo() => new(Name, state.State.Delivery, state.State.Postmaster, state.State.Accounts.Count) { QuotaBytes = state.State.QuotaBytes };
}
