namespace EmailAI.Contracts;

/// <summary>
/// One local domain, keyed by <see cref="GrainKeys.Domain"/>. Holds the delivery rule and the set of
/// account local parts, so a RCPT is decided (<see cref="IRecipientDecider"/>) from memory with one grain call,
/// also for a remote domain, whose grain holds nothing and answers from the silo's cached relay policy.
/// </summary>
public interface IDomainGrain : IGrainWithStringKey, IRecipientDecider
{
    /// <summary>Null when the domain is not local.</summary>
    Task<DomainInfo?> GetAsync();

    /// <summary>Creates or replaces the domain's settings. Idempotent.</summary>
    Task<AdminResult> PutAsync(DomainSettings settings);

    /// <summary>Removes the domain; refused with Conflict while it still has accounts.</summary>
    Task<AdminResult> DeleteAsync();

    /// <summary>
    /// Resolves a normalised local part, with the mailbox's quota as this domain knows it. "postmaster" always
    /// resolves (RFC 5321 §4.5.1): to the account postmaster@domain if it exists (<see cref="RecipientKind.Mailbox"/>),
    /// else to <see cref="RecipientKind.Postmaster"/> with the domain's configured postmaster address or none.
    /// </summary>
    [Orleans.Concurrency.ReadOnly]
    Task<RecipientResolution> ResolveAsync(string localPart);

    /// <summary>
    /// Records that an account exists, with its own quota and <c>"unlistedSenders"</c> (null: it inherits the domain's).
    /// Idempotent; false if the domain is not local.
    /// </summary>
    Task<bool> AddAccountAsync(string localPart, DeliverySettings? forward = null, long? quotaBytes = null, UnlistedSenderMode? unlistedSenders = null);

    /// <summary>Forgets an account. Idempotent.</summary>
    Task RemoveAccountAsync(string localPart);

    Task<IReadOnlyList<string>> ListAccountsAsync();

    /// <summary>The public side of the domain's DKIM signing key; null when the domain is not local or has no key.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<DkimKeyInfo?> GetDkimAsync();

    /// <summary>
    /// Creates or replaces the domain's DKIM signing key (validated first; a refused request changes nothing):
    /// Created when it had none, Updated when a key was replaced, NotFound when the domain is not local. A request
    /// that generates makes a new key each time; one that imports the same PEM again changes nothing.
    /// </summary>
    Task<AdminResult> PutDkimAsync(DkimKeyRequest request);

    /// <summary>Removes the signing key: mail from the domain is no longer signed. NotFound when there is none.</summary>
    Task<AdminResult> DeleteDkimAsync();

    /// <summary>The private key the silo signs with; null when the domain is not local or has no key. Never for the admin API.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<DkimKeyMaterial?> GetDkimSigningKeyAsync();
}
