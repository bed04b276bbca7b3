namespace EmailAI.Contracts;

/// <summary>A local account as the admin API shows it: never the password or its hash.</summary>
[GenerateSerializer, Immutable]
public sealed record AccountInfo(string Address, DateTimeOffset CreatedAt, int MessageCount, long MessageBytes)
{
    /// <summary>Maildrop (POP3) or an internal server (Advanced Delivery).</summary>
    [Id(4)]
    public DeliverySettings Delivery { get; init; } = DeliverySettings.MailboxDelivery;
}
