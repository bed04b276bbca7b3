namespace EmailAI.Contracts;

/// <summary>
/// Mail for a postmaster (RFC 5321 §4.5.1): stored in <see cref="Maildrop"/>, always the maildrop of an existing
/// account — <c>postmaster@domain</c>, the domain's configured postmaster, or the server's postmaster account
/// (<c>EmailAI:PostmasterAccount</c>) — under that account's quota (<see cref="QuotaBytes"/>, 0 unlimited).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PostmasterRoute(string Maildrop) : RecipientRoute
{
    [Id(1)]
    public long QuotaBytes { get; init; }

    public override string ToString() => "postmaster:" + Maildrop;
}
