using EmailAI.Contracts;
using EmailAI.Grains.Delivery;
using EmailAI.Grains.DkimSigning;
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
    ServerPostmaster serverPostmaster,
    RecipientCallout callout,
    TimeProvider time) : Grain, IDomainGrain
{
    private RecipientRules? _rules;

    // The stored validRecipients as a set, made again when the settings change (the array is replaced on PUT).
    private (string[]? Source, HashSet<string> Set) _validRecipients = (null, []);

    private string Name => this.GetPrimaryKeyString();

    /// <summary>
    /// One RCPT for this domain (or a bare postmaster when this is the server's own name), decided by the shared
    /// rules with this grain's own answer for the local part: one grain call, from memory. A forwarding domain's
    /// recipient callout waits here, for up to <c>EmailAI:Delivery:CalloutTimeout</c>: the call is read-only
    /// (<see cref="IRecipientDecider"/>), so other RCPTs and lookups, all read-only too, interleave with the wait;
    /// only a PUT, DELETE or account change of this domain waits for it to end.
    /// </summary>
    public Task<PolicyVerdict> DecideRecipientAsync(RecipientRequest request)
    {
        _rules ??= new RecipientRules(relayPolicy, ResolveForRulesAsync, quota, serverPostmaster, callout);
        return _rules.DecideAsync(request);
    }

    private async Task<RecipientResolution?> ResolveForRulesAsync(string domain, string localPart) =>
        domain == Name ? await ResolveAsync(localPart) : await grains.GetGrain<IDomainGrain>(domain).ResolveAsync(localPart);

    public Task<DomainInfo?> GetAsync() => Task.FromResult(state.State.Exists ? ToInfo() : null);

    public async Task<AdminResult> PutAsync(DomainSettings settings)
    {
        var error = DeliverySettings.Validate(settings.Delivery, Name);
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
        state.State.Delivery = settings.Delivery.Normalized(Name);
        state.State.Postmaster = postmaster;
        state.State.QuotaBytes = settings.QuotaBytes;
        state.State.UnlistedSenders = settings.UnlistedSenders;
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
            return Task.FromResult(ResolveForwarded(domain.Delivery, localPart));
        }

        if (domain.ForwardedAccounts.TryGetValue(localPart, out var route))
        {
            // Advanced Delivery of one account: queued for its server, under the account's own destination.
            return Task.FromResult(new RecipientResolution(RecipientKind.Forward, $"{localPart}@{Name}", route));
        }

        if (domain.Accounts.Contains(localPart))
        {
            var own = domain.AccountQuotas.TryGetValue(localPart, out var bytes) ? bytes : (long?)null;
            var unlisted = domain.AccountUnlistedSenders.TryGetValue(localPart, out var mode) ? mode : domain.UnlistedSenders ?? UnlistedSenderMode.Deliver;
            return Task.FromResult(new RecipientResolution(RecipientKind.Mailbox, $"{localPart}@{Name}") { QuotaBytes = own ?? domain.QuotaBytes, UnlistedSenders = unlisted });
        }

        if (localPart == "postmaster")
        {
            // RFC 5321 §4.5.1: postmaster is always accepted; the rules find the account it goes to.
            return Task.FromResult(new RecipientResolution(RecipientKind.Postmaster, domain.Postmaster));
        }

        return Task.FromResult(RecipientResolution.UnknownUser);
    }

    /// <summary>
    /// A local part of a forwarding domain: Forward, unless it holds routing syntax or the domain verifies by list and
    /// does not list it (postmaster is always taken, RFC 5321 §4.5.1); then UnknownUser with the domain's settings as
    /// <see cref="RecipientResolution.Route"/>, so the rules can tell routing syntax (5.1.3) from an unknown user, and a
    /// DSN to such a sender is never handed to the internal server.
    /// </summary>
    private RecipientResolution ResolveForwarded(DeliverySettings delivery, string localPart)
    {
        var refused = DeliverySettings.HasRoutingSyntax(localPart)
            || (delivery.Verification == DeliverySettings.ListVerification && localPart != "postmaster" && !ValidRecipients(delivery).Contains(localPart));
        return new RecipientResolution(refused ? RecipientKind.UnknownUser : RecipientKind.Forward, null, delivery);
    }

    private HashSet<string> ValidRecipients(DeliverySettings delivery)
    {
        if (!ReferenceEquals(_validRecipients.Source, delivery.ValidRecipients))
        {
            _validRecipients = (delivery.ValidRecipients, new HashSet<string>(delivery.ValidRecipients ?? [], StringComparer.Ordinal));
        }

        return _validRecipients.Set;
    }

    public async Task<bool> AddAccountAsync(string localPart, DeliverySettings? forward = null, long? quotaBytes = null, UnlistedSenderMode? unlistedSenders = null)
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

        if (unlistedSenders is { } unlisted)
        {
            changed |= !state.State.AccountUnlistedSenders.TryGetValue(localPart, out var old) || old != unlisted;
            state.State.AccountUnlistedSenders[localPart] = unlisted;
        }
        else
        {
            changed |= state.State.AccountUnlistedSenders.Remove(localPart);
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
        if (state.State.Accounts.Remove(localPart) | state.State.ForwardedAccounts.Remove(localPart) | state.State.AccountQuotas.Remove(localPart)
            | state.State.AccountUnlistedSenders.Remove(localPart))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAccountsAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Accounts.Order(StringComparer.Ordinal).Select(local => $"{local}@{Name}")]);

    public Task<DkimKeyInfo?> GetDkimAsync() =>
        Task.FromResult(state.State is { Exists: true, Dkim: { } key } ? ToInfo(key) : null);

    public async Task<AdminResult> PutDkimAsync(DkimKeyRequest request)
    {
        if (!state.State.Exists)
        {
            return AdminResult.NotFound($"domain '{Name}' is not a local domain");
        }

        // Generating a key takes a while (RSA 4096: up to seconds) in this turn: an admin change, never on a mail path.
        var (key, error) = DkimKeys.Create(Name, request);
        if (key is null)
        {
            return AdminResult.Invalid(error!);
        }

        var old = state.State.Dkim;
        if (old is not null && old.Selector == key.Selector && old.PrivateKeyPem == key.Pkcs8Pem)
        {
            // The same key imported again: nothing to write, and the key's creation time stays.
            return new AdminResult(AdminOutcome.Updated);
        }

        state.State.Dkim = new DkimKeyState
        {
            Selector = key.Selector,
            Algorithm = key.Algorithm,
            PrivateKeyPem = key.Pkcs8Pem,
            DnsRecord = key.DnsRecord,
            CreatedAt = time.GetUtcNow(),
        };
        await state.WriteStateAsync();
        return new AdminResult(old is null ? AdminOutcome.Created : AdminOutcome.Updated);
    }

    public async Task<AdminResult> DeleteDkimAsync()
    {
        if (state.State is not { Exists: true, Dkim: not null })
        {
            return AdminResult.NotFound($"domain '{Name}' has no DKIM key");
        }

        state.State.Dkim = null;
        await state.WriteStateAsync();
        return new AdminResult(AdminOutcome.Deleted);
    }

    public Task<DkimKeyMaterial?> GetDkimSigningKeyAsync() =>
        Task.FromResult(state.State is { Exists: true, Dkim: { } key } ? new DkimKeyMaterial(Name, key.Selector, key.Algorithm, key.PrivateKeyPem) : null);

    private DkimKeyInfo ToInfo(DkimKeyState key) => new(key.Selector, key.Algorithm, DkimKeys.DnsName(key.Selector, Name), key.DnsRecord);

    private DomainInfo ToInfo() => new(Name, state.State.Delivery, state.State.Postmaster, state.State.Accounts.Count)
    {
        QuotaBytes = state.State.QuotaBytes,
        UnlistedSenders = state.State.UnlistedSenders ?? UnlistedSenderMode.Deliver,
    };
}
