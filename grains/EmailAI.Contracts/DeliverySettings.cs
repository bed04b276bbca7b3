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

    /// <summary>Why these settings are not acceptable, or null when they are (a domain's and an account's rule alike).</summary>
    public static string? Validate(DeliverySettings? delivery)
    {
        if (delivery is null)
        {
            return "delivery is required";
        }

        switch (delivery.Mode)
        {
            case Mailbox:
                return delivery.Host is null && delivery.Port is null ? null : "delivery mode 'mailbox' takes no host or port";
            case Forward:
                if (string.IsNullOrWhiteSpace(delivery.Host) || Uri.CheckHostName(delivery.Host.Trim()) == UriHostNameType.Unknown)
                {
                    return "delivery mode 'forward' needs a valid host";
                }

                return delivery.Port is null or (>= 1 and <= 65535) ? null : "port must be between 1 and 65535";
            default:
                return "delivery mode must be 'mailbox' or 'forward'";
        }
    }

    /// <summary>Valid settings in stored form: the host trimmed, mailbox mode without host or port.</summary>
    public DeliverySettings Normalized() => IsForward ? this with { Host = Host!.Trim() } : MailboxDelivery;
}
