namespace EmailAI.Contracts;

/// <summary>
/// Relayed to a remote domain for an authorised or authenticated client. <see cref="Address"/> goes out in
/// RCPT TO as the client wrote it (its local part's case kept); <see cref="Destination"/> is the outbound
/// queue, the normalised domain.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RelayRoute(string Address, string Destination) : RecipientRoute
{
    public override string ToString() => "relay:" + Destination;
}
