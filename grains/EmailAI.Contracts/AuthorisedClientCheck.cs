namespace EmailAI.Contracts;

/// <summary>
/// The answer to an <see cref="AuthorisedClientRequest"/>: the Authorised IP entry, as stored, that the address
/// matches (null when none does), decided by the same compiled policy as the RCPT relay decision, from relay policy
/// version <see cref="PolicyVersion"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AuthorisedClientCheck(string? AuthorisedEntry, long PolicyVersion)
{
    public bool Authorised => AuthorisedEntry is not null;
}
