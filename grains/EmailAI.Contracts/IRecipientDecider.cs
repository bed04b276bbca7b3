namespace EmailAI.Contracts;

/// <summary>
/// The one contract by which the silo decides an RCPT: the facts of the session and the recipient as written
/// go in, a <see cref="PolicyVerdict"/> comes out. Served by the recipient domain's grain (so a decision costs
/// one grain call, answered from that grain's memory and the silo's cached relay policy) and, for recipients
/// that name no domain grain (address literals, invalid names), by <see cref="ISessionPolicyGrain"/>; both apply
/// the same rules. <see cref="RecipientDeciders.For"/> picks the grain. Safe to repeat: deciding changes nothing.
/// A call that throws means "could not decide", which the gateway answers with 451 4.3.0, never an accept.
/// </summary>
public interface IRecipientDecider : IGrain
{
    /// <summary>
    /// Decides one RCPT: a local account's maildrop, a postmaster, Advanced Delivery, a relay for an authorised
    /// or authenticated client, or a refusal (unknown user 550 5.1.1, relay denied 554 5.7.1, 451 4.3.0 when the
    /// relay policy or a domain cannot be read).
    /// </summary>
    [Orleans.Concurrency.ReadOnly]
    Task<PolicyVerdict> DecideRecipientAsync(RecipientRequest request);
}
