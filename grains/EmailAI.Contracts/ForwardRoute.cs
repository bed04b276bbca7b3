namespace EmailAI.Contracts;

/// <summary>
/// Advanced Delivery: an address in a local domain whose mail goes to a configured internal server.
/// <see cref="Address"/> goes out in RCPT TO as the client wrote it; <see cref="Destination"/> is the outbound
/// queue: the domain when the whole domain forwards, or the account's key when only that account does.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ForwardRoute(string Address, string Destination) : RecipientRoute
{
    public override string ToString() => "forward:" + Destination;
}
