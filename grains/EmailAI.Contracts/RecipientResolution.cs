namespace EmailAI.Contracts;

/// <summary>The domain grain's answer for one recipient, with the maildrop key when it is a mailbox.</summary>
[GenerateSerializer, Immutable]
public sealed record RecipientResolution(RecipientKind Kind, string? Mailbox = null, DeliverySettings? Route = null)
{
    public static readonly RecipientResolution NotLocal = new(RecipientKind.NotLocal);
    public static readonly RecipientResolution UnknownUser = new(RecipientKind.UnknownUser);
}
