namespace EmailAI.Contracts;

/// <summary>
/// Commits received mail. A stateless worker, activated on the silo that takes the call, so any number
/// run in parallel and their commits share the store's group commit.
/// </summary>
public interface IIngestGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Stores the content once and adds it to every listed maildrop in one transaction. Returns only once
    /// that transaction is durable; throws (nothing committed) otherwise. Not idempotent: a retry after an
    /// unknown outcome may deliver twice, which is SMTP's own at-least-once contract.
    /// </summary>
    Task DeliverAsync(IngestRequest request);
}
