namespace EmailAI.Contracts;

/// <summary>
/// Mail for a postmaster (RFC 5321 §4.5.1: always accepted): stored in <see cref="Maildrop"/>, the account
/// <c>postmaster@domain</c>, the domain's configured postmaster, or a maildrop of that name that the admin API
/// reads even when no account exists.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PostmasterRoute(string Maildrop) : RecipientRoute
{
    public override string ToString() => "postmaster:" + Maildrop;
}
