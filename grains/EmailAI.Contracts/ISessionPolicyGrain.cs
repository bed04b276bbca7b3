namespace EmailAI.Contracts;

/// <summary>
/// The silo's session policy for what no domain grain can answer: recipients whose domain is an address literal
/// or not a valid host name, the envelope sender of an authenticated session (<see cref="ISenderDecider"/>), and the
/// admin's dry run (<see cref="CheckRelayAsync"/>). Stateless and local to the silo that receives the call (key
/// <see cref="GrainKeys.SessionPolicy"/>); it applies the same rules as the domain grains (see
/// <see cref="IRecipientDecider"/>).
/// </summary>
public interface ISessionPolicyGrain : IGrainWithIntegerKey, IRecipientDecider, ISenderDecider
{
    /// <summary>What a session with these facts would be told, decided as a real one is; changes nothing.</summary>
    Task<RelayCheck> CheckRelayAsync(RelayCheckRequest request);

    /// <summary>
    /// Whether the client address is on the Authorised IP list, from this silo's cached relay policy (the list the
    /// RCPT decision reads); changes nothing, safe to repeat. Fails when the relay policy cannot be loaded: the
    /// caller then treats the client as not authorised.
    /// </summary>
    Task<AuthorisedClientCheck> CheckAuthorisedClientAsync(AuthorisedClientRequest request);
}
