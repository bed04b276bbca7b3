namespace EmailAI.Contracts;

/// <summary>
/// The silo's session policy for what no domain grain can answer: recipients whose domain is an address literal
/// or not a valid host name (and, as the SMTP session gains them, decisions about the session itself).
/// Stateless and local to the silo that receives the call (key <see cref="GrainKeys.SessionPolicy"/>); it applies
/// the same rules as the domain grains (see <see cref="IRecipientDecider"/>).
/// </summary>
public interface ISessionPolicyGrain : IGrainWithIntegerKey, IRecipientDecider;
