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
    Task<AdminResult> PutAsync(AccountUpdate update);

    /// <summary>
    /// Deletes the account and its maildrop: an address given to someone else later must not inherit the
    /// previous owner's mail.
    /// </summary>
    Task<AdminResult> DeleteAsync();

    /// <summary>
    /// Checks a password against the stored hash, or an APOP digest against the kept secret; constant-time, and as
    /// slow for an unknown account as for a known one (an unknown account is <see cref="CredentialCheck.Invalid"/>).
    /// The slow hash runs on the silo's bounded hashing service, off the grain scheduler; <see cref="CredentialCheck.Busy"/>
    /// when no slot came in time. Always interleaved: a login waiting for its hash never holds up the maildrop lock,
    /// deliveries or other logins of this account; a password changed meanwhile makes the check Invalid. A good
    /// password of an account without SCRAM keys derives and stores them (once).
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<CredentialCheck> AuthenticateAsync(AccountCredentials credentials);

    /// <summary>The salt and iteration count of the account's SCRAM-SHA-256 keys, or null (no account, or no keys yet).</summary>
    Task<ScramSalt?> GetScramSaltAsync();

    /// <summary>
    /// Checks a SCRAM-SHA-256 client proof over <paramref name="authMessage"/> against the stored keys (RFC 5802 §3):
    /// a few HMACs, no slow hash. Not valid for an unknown account or one without keys.
    /// </summary>
    Task<ScramCheck> VerifyScramAsync(string authMessage, byte[] clientProof);

    /// <summary>
    /// Takes the maildrop's exclusive lock for <paramref name="sessionId"/> for <paramref name="lease"/>, or
    /// renews it if that session already holds it. A lock whose lease ran out (its gateway died) is free.
    /// </summary>
    Task<MaildropSnapshot> LockMaildropAsync(string sessionId, TimeSpan lease);

    /// <summary>Extends the lease; false if the session no longer holds the lock (then it must stop).</summary>
    Task<bool> RenewMaildropLockAsync(string sessionId, TimeSpan lease);

    /// <summary>
    /// POP3 UPDATE: deletes <paramref name="uids"/> durably and releases the lock. False, with nothing
    /// deleted, when the session does not hold the lock.
    /// </summary>
    Task<bool> CommitMaildropAsync(string sessionId, IReadOnlyCollection<long> uids);

    /// <summary>Releases the lock without deleting anything. Safe to repeat; ignores a lock held by another session.</summary>
    Task ReleaseMaildropAsync(string sessionId);

    Task<IReadOnlyList<MaildropEntry>> ListMessagesAsync();

    /// <summary>The stored bytes of one message, or null if there is no such uid in this maildrop.</summary>
    Task<byte[]?> ReadMessageAsync(long uid);

    /// <summary>
    /// An admin's deletion of one message of this maildrop (also one without an account), durable on Deleted;
    /// NotFound when there is no such uid. Refused with Conflict, nothing deleted, while a POP3 session holds the
    /// maildrop lock: that session's message list (its numbers, sizes and UIDLs, RFC 1939 §5) must stay as it was
    /// when it took the lock, so the admin retries after the session ends (at QUIT or when its lease runs out).
    /// </summary>
    Task<AdminResult> DeleteMessageAsync(long uid);
}
