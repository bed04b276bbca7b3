using EmailAI.Contracts;
using EmailAI.Storage;

namespace EmailAI.Grains;

/// <summary>
/// A local account and its maildrop. The maildrop's rows belong to the message store; this grain is the
/// single place that reads and (later, for POP3) changes them, so one account's operations are serialised
/// cluster-wide. A maildrop may exist without an account (postmaster mail before a postmaster account);
/// deleting an account deletes its maildrop.
/// </summary>
public sealed class AccountGrain(
    [PersistentState(StorageNames.AccountState, StorageNames.Provider)] IPersistentState<AccountState> state,
    IGrainFactory grains,
    IMessageStore store,
    TimeProvider time) : Grain, IAccountGrain
{
    /// <summary>Shortest password an admin may set.</summary>
    public const int MinPasswordLength = 8;

    /// <summary>Longest password accepted; bounds the hashing work one request can cause.</summary>
    public const int MaxPasswordLength = 1024;

    // In memory on purpose: the lock is a lease. A graceful deactivation (a silo shutting down) hands it to
    // the next activation through the state; if the activation is lost in a crash, so is the lock, and a
    // session that still runs regains it on its next renewal unless another session took it meanwhile.
    private readonly MaildropLock _lock = new(time);

    // Successful logins, remembered briefly in memory only; forgotten when the password changes.
    private readonly RecentLogins _recentLogins = new(time);

    private string Address => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.HandedOverLock is { } handedOver)
        {
            // Taken over once: cleared, so a crash of this activation cannot bring back a lease that was
            // released or moved to another session meanwhile.
            _lock.Restore(handedOver);
            state.State.HandedOverLock = null;
            await state.WriteStateAsync(cancellationToken);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // One write only when there is something to hand over (or a stale hand-over to clear).
        var lease = _lock.Lease;
        if (lease != state.State.HandedOverLock)
        {
            state.State.HandedOverLock = lease;
            await state.WriteStateAsync(cancellationToken);
        }
    }

    public async Task<AccountInfo?> GetAsync()
    {
        if (!state.State.Exists)
        {
            return null;
        }

        var (count, bytes) = await store.GetMaildropSummaryAsync(Address);
        return new AccountInfo(Address, state.State.CreatedAt, count, bytes) { Delivery = state.State.Delivery };
    }

    public async Task<AdminResult> PutAsync(AccountUpdate update)
    {
        var password = update.Password;
        if (password is not null && (password.Length < MinPasswordLength || password.Length > MaxPasswordLength))
        {
            return AdminResult.Invalid($"password must be {MinPasswordLength} to {MaxPasswordLength} characters");
        }

        var created = !state.State.Exists;
        if (created && password is null)
        {
            return AdminResult.Invalid("password is required for a new account");
        }

        if (update.Delivery is not null && DeliverySettings.Validate(update.Delivery) is { } invalid)
        {
            return AdminResult.Invalid(invalid);
        }

        var domain = grains.GetGrain<IDomainGrain>(GrainKeys.DomainOf(Address));
        var info = await domain.GetAsync();
        if (info is null)
        {
            return AdminResult.Invalid($"domain '{GrainKeys.DomainOf(Address)}' is not a local domain");
        }

        if (info.Delivery.IsForward)
        {
            return AdminResult.Invalid($"domain '{info.Name}' forwards all its mail; it has no local accounts");
        }

        if (update.Delivery is not null)
        {
            state.State.Delivery = update.Delivery.Normalized();
        }

        if (password is not null)
        {
            _recentLogins.Forget();
            state.State.PasswordHash = PasswordHasher.Hash(password);
            state.State.ApopSecret = update.KeepApopSecret ? password : null;
        }
        else if (!update.KeepApopSecret)
        {
            state.State.ApopSecret = null;
        }

        if (created)
        {
            state.State.Exists = true;
            state.State.CreatedAt = time.GetUtcNow();
        }

        await state.WriteStateAsync();

        // Registered with the domain after our own write: RCPT accepts the address only once the account is
        // durable. If the domain was deleted meanwhile, the account is undone.
        if (!await domain.AddAccountAsync(GrainKeys.LocalPartOf(Address), state.State.Delivery.IsForward ? state.State.Delivery : null))
        {
            await state.ClearStateAsync();
            state.State = new AccountState();
            return AdminResult.Invalid($"domain '{GrainKeys.DomainOf(Address)}' is not a local domain");
        }

        return new AdminResult(created ? AdminOutcome.Created : AdminOutcome.Updated);
    }

    public async Task<AdminResult> DeleteAsync()
    {
        if (!state.State.Exists)
        {
            return AdminResult.NotFound($"account '{Address}' does not exist");
        }

        // Unregistered first, so no new mail is accepted for an account that is going away.
        await grains.GetGrain<IDomainGrain>(GrainKeys.DomainOf(Address)).RemoveAccountAsync(GrainKeys.LocalPartOf(Address));
        await store.DeleteMessagesAsync(Address, uids: null);
        await grains.GetGrain<IWhiteListGrain>(Address).ClearAsync();
        _recentLogins.Forget();
        await state.ClearStateAsync();
        state.State = new AccountState();
        return new AdminResult(AdminOutcome.Deleted);
    }

    public Task<bool> AuthenticateAsync(AccountCredentials credentials)
    {
        if (credentials.ApopDigest is not null && credentials.ApopTimestamp is not null)
        {
            var secret = state.State.Exists ? state.State.ApopSecret : null;
            return Task.FromResult(ApopDigest.Verify(credentials.ApopTimestamp, secret, credentials.ApopDigest));
        }

        if (credentials.Password is null)
        {
            return Task.FromResult(false);
        }

        if (state.State.Exists && _recentLogins.Matches(credentials.Password))
        {
            return Task.FromResult(true);
        }

        var valid = PasswordHasher.Verify(credentials.Password, state.State.Exists ? state.State.PasswordHash : null);
        if (valid)
        {
            _recentLogins.Remember(credentials.Password, credentials.RememberSuccessFor);
        }

        return Task.FromResult(valid);
    }

    public async Task<MaildropSnapshot> LockMaildropAsync(string sessionId, TimeSpan lease)
    {
        if (!_lock.TryAcquire(sessionId, lease))
        {
            return new MaildropSnapshot(MaildropLockStatus.InUse, []);
        }

        try
        {
            return new MaildropSnapshot(MaildropLockStatus.Locked, await store.ListMaildropAsync(Address));
        }
        catch
        {
            _lock.Release(sessionId);
            throw;
        }
    }

    public Task<bool> RenewMaildropLockAsync(string sessionId, TimeSpan lease) => Task.FromResult(_lock.TryRenew(sessionId, lease));

    public async Task<bool> CommitMaildropAsync(string sessionId, IReadOnlyCollection<long> uids)
    {
        if (!_lock.IsHeldBy(sessionId))
        {
            return false;
        }

        if (uids.Count > 0)
        {
            // Durable before the lock goes: a new session never sees a message this one deleted.
            await store.DeleteMessagesAsync(Address, uids);
        }

        _lock.Release(sessionId);
        return true;
    }

    public Task ReleaseMaildropAsync(string sessionId)
    {
        _lock.Release(sessionId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<MaildropEntry>> ListMessagesAsync() => store.ListMaildropAsync(Address);

    public Task<byte[]?> ReadMessageAsync(long uid) => store.ReadMessageAsync(Address, uid);
}
