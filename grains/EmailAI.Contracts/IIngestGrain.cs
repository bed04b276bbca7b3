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
    /// unknown outcome may deliver twice, which is SMTP's own at-least-once contract. A maildrop whose usage plus
    /// this message's stored size exceeds its route's quota gets no copy (<see cref="IngestResult"/>). The usage is
    /// read before the commit, so deliveries to one maildrop that run at the same time may together overshoot its
    /// quota by the messages in flight; the next delivery then sees the maildrop full.
    /// </summary>
    Task<IngestResult> DeliverAsync(IngestRequest request);
}
