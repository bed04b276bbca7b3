namespace EmailAI.Contracts;

/// <summary>
/// The domain grain's answer for one recipient, with the maildrop key when it is a mailbox. <see cref="QuotaBytes"/>
/// is the mailbox's quota as its domain knows it (the account's, else the domain's), null when neither sets one
/// (then the node's default applies); 0 is unlimited.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RecipientResolution(RecipientKind Kind, string? Mailbox = null, DeliverySettings? Route = null)
{
    [Id(3)]
    public long? QuotaBytes { get; init; }

    /// <summary>A mailbox's effective <c>"unlistedSenders"</c>: the account's own, else its domain's, else deliver.</summary>
    [Id(4)]
    public UnlistedSenderMode UnlistedSenders { get; init; }

    public static readonly RecipientResolution NotLocal = new(RecipientKind.NotLocal);
    public static readonly RecipientResolution UnknownUser = new(RecipientKind.UnknownUser);
}
