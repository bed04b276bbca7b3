namespace EmailAI.Contracts;

/// <summary>
/// How a local domain's mail is delivered: <see cref="Mailbox"/> stores it in the accounts' maildrops
/// (POP3); <see cref="Forward"/> hands every message for the domain to an internal server
/// (the seed's "Advanced Delivery").
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeliverySettings(string Mode, string? Host = null, int? Port = null)
{
    public const string Mailbox = "mailbox";
    public const string Forward = "forward";

    public static readonly DeliverySettings MailboxDelivery = new(Mailbox);

    public bool IsForward => Mode == Forward;
}
