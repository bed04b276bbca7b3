namespace EmailAI.Contracts;

/// <summary>
/// The one contract by which the silo decides the envelope sender of an authenticated session, from the cached
/// relay policy's <c>submissionSenders</c> (see <see cref="SubmissionSenders"/>): accept (250 2.1.0), reject
/// (<c>553 5.7.1 Sender address not owned by the authenticated user</c>) or, when the policy cannot be read, a
/// temporary failure (451 4.3.0). A session that did not authenticate is not this decider's business (it is
/// accepted). Safe to repeat: deciding changes nothing.
/// </summary>
public interface ISenderDecider : IGrain
{
    [Orleans.Concurrency.ReadOnly]
    Task<PolicyVerdict> DecideSenderAsync(SenderRequest request);
}
