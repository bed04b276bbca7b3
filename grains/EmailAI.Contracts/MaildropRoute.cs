namespace EmailAI.Contracts;

/// <summary>The maildrop of a local account; <see cref="Maildrop"/> is its normalised address key.</summary>
[GenerateSerializer, Immutable]
public sealed record MaildropRoute(string Maildrop) : RecipientRoute
{
    public override string ToString() => "maildrop:" + Maildrop;
}
