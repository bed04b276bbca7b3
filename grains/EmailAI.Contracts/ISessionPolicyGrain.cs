namespace EmailAI.Contracts;

/// <summary>
/// The one place where the silo decides what an SMTP session may do: the facts of the session and of the
/// command go in, a <see cref="PolicyVerdict"/> comes out. Stateless and local to the silo that receives the
/// call (key <see cref="GrainKeys.SessionPolicy"/>); the relay policy it consults is a snapshot cached in that
/// silo, so no decision waits on the cluster's relay-policy grain. Safe to repeat: deciding changes nothing.
/// A call that throws means "could not decide", which the gateway answers with 451 4.3.0, never an accept.
/// </summary>
public interface ISessionPolicyGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Decides one RCPT: a local account's maildrop, a postmaster, Advanced Delivery, a relay for an authorised
    /// or authenticated client, or a refusal (unknown user 550 5.1.1, relay denied 554 5.7.1).
    /// </summary>
    Task<PolicyVerdict> DecideRecipientAsync(RecipientRequest request);
}
