using EmailAI.Contracts;
using EmailAI.Grains.Auth;
using EmailAI.Grains.Quota;
using EmailAI.Protocols.Auth;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;

namespace EmailAI.Grains;

/// <summary>
/// A local account and its maildrop. The maildrop's rows belong to the message store; this grain is the
/// single place that reads and (later, for POP3) changes them, so one account's operations are serialised
/// cluster-wide. A maildrop may exist without an account (postmaster mail before a postmaster account);
/// deleting an account deletes its maildrop.
/// <para>
/// Logins (<see cref="AuthenticateAsync"/>) interleave with everything else, because their slow hash runs on the
/// silo's <see cref="PasswordHashingService"/> and may wait for a slot: a non-reentrant grain would otherwise hold
/// every call of the account (the owner's login, the maildrop lock) behind each guess. What that costs in care: a
/// login reads the hash before its await and compares <see cref="_credentialsVersion"/> after it, so a password
/// changed or an account deleted meanwhile is never confirmed; and every state write goes through
/// <see cref="WriteAsync"/>, one at a time, because a login's SCRAM upgrade may write while an admin's PUT does.
/// </para>
/// </summary>
public sealed partial class AccountGrain(
    [PersistentState(StorageNames.AccountState, StorageNames.Provider)] IPersistentState<AccountState> state,
    IGrainFactory grains,
    IMessageStore store,
    PasswordHashingService hashing,
    ApopSecretProtector apop,
    MaildropQuota quota,
    TimeProvider time,
    ILogger<AccountGrain> logger) : Grain, IAccountGrain
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

    // One state write at a time: the interleaved login path writes too (SCRAM upgrade).
    private readonly SemaphoreSlim _writes = new(1, 1);

    // Changes whenever the password hash does (set, account deleted); in memory, as a login in flight is.
    private long _credentialsVersion;

    private string Address => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.HandedOverLock is { } handedOver)
        {
            // Taken over once: cleared, so a crash of this activation cannot bring back a lease that was
            // released or moved to another session meanwhile.
            _lock.Restore(handedOver);
            state.State.HandedOverLock = null;
            await WriteAsync();
        }

        if (state.State.ApopSecret is { } stored && ApopSecretProtector.IsClear(stored) && apop.HasKey)
        {
            // Kept in clear by an earlier version: encrypted now that a key is configured, once.
            state.State.ApopSecret = apop.Protect(Address, stored);
            await WriteAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // One write only when there is something to hand over (or a stale hand-over to clear).
        var lease = _lock.Lease;
        if (lease != state.State.HandedOverLock)
        {
            state.State.HandedOverLock = lease;
            await WriteAsync();
        }
    }

    public async Task<AccountInfo?> GetAsync()
    {
        if (!state.State.Exists)
        {
            return null;
        }

        var (count, bytes) = await store.GetMaildropSummaryAsync(Address);
        var domain = state.State.QuotaBytes is null || state.State.UnlistedSenders is null ? await grains.GetGrain<IDomainGrain>(GrainKeys.DomainOf(Address)).GetAsync() : null;
        return new AccountInfo(Address, state.State.CreatedAt, count, bytes)
        {
            Delivery = state.State.Delivery,
            QuotaBytes = state.State.QuotaBytes,
            EffectiveQuotaBytes = quota.Effective(state.State.QuotaBytes ?? domain?.QuotaBytes),
            UnlistedSenders = state.State.UnlistedSenders,
            EffectiveUnlistedSenders = state.State.UnlistedSenders ?? domain?.UnlistedSenders ?? UnlistedSenderMode.Deliver,
        };
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

        if (password is not null && update.KeepApopSecret && !apop.HasKey)
        {
            // The secret is never stored in clear: APOP needs the key that encrypts it.
            return AdminResult.Invalid("APOP is on (EmailAI:Pop3:EnableApop) but no EmailAI:Pop3:ApopSecretKey is configured to encrypt APOP secrets with; set one (openssl rand -base64 32) or turn APOP off");
        }

        if (update.Delivery is not null && DeliverySettings.Validate(update.Delivery) is { } invalid)
        {
            return AdminResult.Invalid(invalid);
        }

        if (update.QuotaBytes < 0)
        {
            return AdminResult.Invalid("quotaBytes must be 0 (unlimited) or a positive number of octets");
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
            // Off the scheduler like a login's hash, but an admin's change waits for a slot rather than fail.
            var (_, hashed) = await hashing.RunAsync(() => (PasswordHasher.Hash(password), ScramCredentials.Derive(password)), HashPurpose.SetPassword, waitForSlot: true);
            _recentLogins.Forget();
            _credentialsVersion++;
            state.State.PasswordHash = hashed.Item1;
            state.State.Scram = hashed.Item2;
            state.State.ApopSecret = update.KeepApopSecret ? apop.Protect(Address, password) : null;
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

        state.State.QuotaBytes = update.QuotaBytes;
        state.State.UnlistedSenders = update.UnlistedSenders;
        await WriteAsync();

        // Registered with the domain after our own write: RCPT accepts the address only once the account is
        // durable. If the domain was deleted meanwhile, the account is undone.
        if (!await domain.AddAccountAsync(GrainKeys.LocalPartOf(Address), state.State.Delivery.IsForward ? state.State.Delivery : null, state.State.QuotaBytes, state.State.UnlistedSenders))
        {
            await ClearAsync();
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
        await grains.GetGrain<IQuarantineGrain>(Address).ClearAsync();
        await grains.GetGrain<IWhiteListGrain>(Address).ClearAsync();
        await ClearAsync();
        return new AdminResult(AdminOutcome.Deleted);
    }

    public async Task<CredentialCheck> AuthenticateAsync(AccountCredentials credentials)
    {
        if (credentials.ApopDigest is not null && credentials.ApopTimestamp is not null)
        {
            // An MD5 digest: cheap, so checked in the turn.
            var secret = state.State is { Exists: true, ApopSecret: { } stored } ? apop.Unprotect(Address, stored) : null;
            return ApopDigest.Verify(credentials.ApopTimestamp, secret, credentials.ApopDigest) ? CredentialCheck.Valid : CredentialCheck.Invalid;
        }

        var password = credentials.Password;
        if (password is null)
        {
            return CredentialCheck.Invalid;
        }

        var version = _credentialsVersion;
        if (state.State.Exists && _recentLogins.Matches(password))
        {
            await UpgradeScramAsync(password, version);
            return CredentialCheck.Valid;
        }

        // An unknown account is checked against a decoy hash: the same cost and the same answer as a wrong password.
        var hash = state.State.Exists ? state.State.PasswordHash : null;
        var (ran, valid) = await hashing.RunAsync(() => PasswordHasher.Verify(password, hash), HashPurpose.Login);
        if (!ran)
        {
            return CredentialCheck.Busy;
        }

        if (!valid || version != _credentialsVersion || !state.State.Exists)
        {
            return CredentialCheck.Invalid;
        }

        _recentLogins.Remember(password, credentials.RememberSuccessFor);
        await UpgradeScramAsync(password, version);
        return CredentialCheck.Valid;
    }

    public Task<ScramSalt?> GetScramSaltAsync() =>
        Task.FromResult(state.State is { Exists: true, Scram: { } keys } ? new ScramSalt(keys.Salt, keys.Iterations) : null);

    public Task<ScramCheck> VerifyScramAsync(string authMessage, byte[] clientProof)
    {
        if (state.State is not { Exists: true, Scram: { } keys } || !ScramSha256.VerifyProof(keys.StoredKey, authMessage, clientProof))
        {
            return Task.FromResult(new ScramCheck(false, null));
        }

        return Task.FromResult(new ScramCheck(true, ScramSha256.ServerSignature(keys.ServerKey, authMessage)));
    }

    /// <summary>
    /// Derives and stores SCRAM keys for an account whose password predates them, now that a login proved the
    /// password. Best effort: when no hashing slot is free, the write fails or the password changed meanwhile,
    /// nothing is stored and the next good login tries again; the login itself stands.
    /// </summary>
    private async Task UpgradeScramAsync(string password, long version)
    {
        if (state.State.Scram is not null)
        {
            return;
        }

        var (ran, keys) = await hashing.RunAsync(() => ScramCredentials.Derive(password), HashPurpose.ScramUpgrade);
        if (!ran || version != _credentialsVersion || !state.State.Exists || state.State.Scram is not null)
        {
            return;
        }

        state.State.Scram = keys;
        try
        {
            await WriteAsync();
            LogScramDerived(logger, Address);
        }
        catch (Exception ex)
        {
            if (ReferenceEquals(state.State.Scram, keys))
            {
                state.State.Scram = null;
            }

            LogScramNotStored(logger, Address, ex);
        }
    }

    /// <summary>Writes the state; one write at a time (see the class comment).</summary>
    private async Task WriteAsync()
    {
        await _writes.WaitAsync();
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>Clears the stored state and forgets every credential of the account.</summary>
    private async Task ClearAsync()
    {
        _recentLogins.Forget();
        _credentialsVersion++;
        await _writes.WaitAsync();
        try
        {
            await state.ClearStateAsync();
            state.State = new AccountState();
        }
        finally
        {
            _writes.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SCRAM-SHA-256 keys derived for {Account} at its login (its password predates them)")]
    private static partial void LogScramDerived(ILogger logger, string account);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SCRAM-SHA-256 keys for {Account} could not be stored; the next login tries again")]
    private static partial void LogScramNotStored(ILogger logger, string account, Exception exception);

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

    public async Task<AdminResult> DeleteMessageAsync(long uid)
    {
        // Checked and deleted in one turn: no POP3 session can take the lock in between (this grain is not reentrant).
        if (_lock.Holder is not null)
        {
            return AdminResult.Conflict($"the maildrop of '{Address}' is in use by a POP3 session; try again when it ends");
        }

        return await store.DeleteMessagesAsync(Address, [uid]) == 1
            ? new AdminResult(AdminOutcome.Deleted)
            : AdminResult.NotFound($"no message {uid} in the maildrop of '{Address}'");
    }
}
