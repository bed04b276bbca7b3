namespace EmailAI.Contracts;

/// <summary>
/// One local account and its maildrop, keyed by <see cref="GrainKeys.Address"/>. The password is kept as a
/// salted PBKDF2 hash. Maildrop entries live in the message store (one row per delivery), so a mailbox of
/// 50,000 messages costs a delivery no more than an empty one.
/// </summary>
public interface IAccountGrain : IGrainWithStringKey
{
    Task<AccountInfo?> GetAsync();

    /// <summary>
    /// Creates the account, or updates it (a null password keeps the current one). Refused as Invalid when
    /// the domain is not local or a new account has no password. Idempotent.
    /// </summary>
    Task<AdminResult> PutAsync(string? password);

    /// <summary>
    /// Deletes the account and its maildrop: an address given to someone else later must not inherit the
    /// previous owner's mail.
    /// </summary>
    Task<AdminResult> DeleteAsync();

    /// <summary>Constant-time check of a password against the stored hash; false for an unknown account.</summary>
    Task<bool> VerifyPasswordAsync(string password);

    Task<IReadOnlyList<MaildropEntry>> ListMessagesAsync();

    /// <summary>The stored bytes of one message, or null if there is no such uid in this maildrop.</summary>
    Task<byte[]?> ReadMessageAsync(long uid);
}
