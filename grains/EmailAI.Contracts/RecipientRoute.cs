using EmailAI.Protocols.Smtp;

namespace EmailAI.Contracts;

/// <summary>
/// Where one accepted recipient's copy goes: a closed union decided by the silo's recipient policy at RCPT
/// time and carried unchanged to ingest. <see cref="MaildropRoute"/> and <see cref="PostmasterRoute"/> store a
/// copy in a local maildrop; <see cref="RelayRoute"/> and <see cref="ForwardRoute"/> queue it for delivery
/// over SMTP. <see cref="object.ToString"/> is the form the log shows (<c>maildrop:alice@example.com</c>).
/// </summary>
[GenerateSerializer, Immutable]
public abstract record RecipientRoute : IRecipientRoute
{
    private protected RecipientRoute()
    {
    }
}
