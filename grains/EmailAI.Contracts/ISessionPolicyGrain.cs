namespace EmailAI.Contracts;

/// <summary>
/// The silo's session policy for what no domain grain can answer: recipients whose domain is an address literal
/// or not a valid host name, and the envelope sender of an authenticated session (<see cref="ISenderDecider"/>).
/// Stateless and local to the silo that receives the call (key <see cref="GrainKeys.SessionPolicy"/>); it applies
/// the same rules as the domain grains (see <see cref="IRecipientDecider"/>).
/// </summary>
public interface ISessionPolicyGrain : IGrainWithIntegerKey, IRecipientDecider, ISenderDecider;
