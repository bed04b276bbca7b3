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

    private string Address => this.GetPrimaryKeyString();

    public async Task<AccountInfo?> GetAsync()
    {
        if (!state.State.Exists)
        {
            return null;
        }

        var (count, bytes) = await store.GetMaildropSummaryAsync(Address);
        return new AccountInfo(Address, state.State.CreatedAt, count, bytes);
    }

    public async Task<AdminResult> PutAsync(string? password)
    {
        if (password is not null && (password.Length < MinPasswordLength || password.Length > MaxPasswordLength))
        {
            return AdminResult.Invalid($"password must be {MinPasswordLength} to {MaxPasswordLength} characters");
        }

        var created = !state.State.Exists;
        if (created && password is null)
        {
            return AdminResult.Invalid("password is required for a new account");
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

        if (password is not null)
        {
            state.State.PasswordHash = PasswordHasher.Hash(password);
        }

        if (created)
        {
            state.State.Exists = true;
            state.State.CreatedAt = time.GetUtcNow();
        }

        await state.WriteStateAsync();

        // Registered with the domain after our own write: RCPT accepts the address only once the account is
        // durable. If the domain was deleted meanwhile, the account is undone.
        if (!await domain.AddAccountAsync(GrainKeys.LocalPartOf(Address)))
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
        await state.ClearStateAsync();
        state.State = new AccountState();
        return new AdminResult(AdminOutcome.Deleted);
    }

    public Task<bool> VerifyPasswordAsync(string password) =>
        Task.FromResult(PasswordHasher.Verify(password, state.State.Exists ? state.State.PasswordHash : null));

    public Task<IReadOnlyList<MaildropEntry>> ListMessagesAsync() => store.ListMaildropAsync(Address);

    public Task<byte[]?> ReadMessageAsync(long uid) => store.ReadMessageAsync(Address, uid);
}
