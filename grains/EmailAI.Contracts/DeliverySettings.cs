namespace EmailAI.Contracts;

/// <summary>
/// How a local domain's mail is delivered: <see cref="Mailbox"/> stores it in the accounts' maildrops
/// (POP3); <see cref="Forward"/> hands every message for the domain to an internal server
/// (the seed's "Advanced Delivery"). A forwarding domain says how its recipients are checked at RCPT
/// (<see cref="VerifyRecipients"/>): accepting every local part and letting the internal server refuse it later
/// turns this server into a backscatter source, its bounces going to forged senders.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeliverySettings(string Mode, string? Host = null, int? Port = null, string? VerifyRecipients = null, string[]? ValidRecipients = null)
{
    public const string Mailbox = "mailbox";
    public const string Forward = "forward";

    /// <summary>Each RCPT is asked of the internal server (a recipient callout, cached); the default, also for domains stored before the field existed.</summary>
    public const string CalloutVerification = "callout";

    /// <summary>Only the local parts in <see cref="ValidRecipients"/> are accepted.</summary>
    public const string ListVerification = "list";

    /// <summary>Every local part is accepted, for an internal server that never bounces.</summary>
    public const string NoVerification = "none";

    public static readonly DeliverySettings MailboxDelivery = new(Mailbox);

    public bool IsForward => Mode == Forward;

    /// <summary>How a forwarding domain's recipients are verified: <see cref="VerifyRecipients"/>, or callout when unset.</summary>
    public string Verification => VerifyRecipients ?? CalloutVerification;

    /// <summary>
    /// Why these settings are not acceptable, or null when they are. <paramref name="domain"/> (normalised) is the
    /// domain the settings are for; null means an account's Advanced Delivery, which takes no recipient verification
    /// (the account exists).
    /// </summary>
    public static string? Validate(DeliverySettings? delivery, string? domain = null)
    {
        if (delivery is null)
        {
            return "delivery is required";
        }

        switch (delivery.Mode)
        {
            case Mailbox:
                return delivery is { Host: null, Port: null, VerifyRecipients: null, ValidRecipients: null }
                    ? null
                    : "delivery mode 'mailbox' takes no host, port, verifyRecipients or validRecipients";
            case Forward:
                if (string.IsNullOrWhiteSpace(delivery.Host) || Uri.CheckHostName(delivery.Host.Trim()) == UriHostNameType.Unknown)
                {
                    return "delivery mode 'forward' needs a valid host";
                }

                if (delivery.Port is not (null or (>= 1 and <= 65535)))
                {
                    return "port must be between 1 and 65535";
                }

                return ValidateVerification(delivery, domain);
            default:
                return "delivery mode must be 'mailbox' or 'forward'";
        }
    }

    /// <summary>
    /// Valid settings in stored form: the host trimmed, the valid recipients as normalised local parts (sorted,
    /// each once), mailbox mode without host or port. <paramref name="domain"/> as for <see cref="Validate"/>.
    /// </summary>
    public DeliverySettings Normalized(string? domain = null)
    {
        if (!IsForward)
        {
            return MailboxDelivery;
        }

        var valid = ValidRecipients is null || domain is null
            ? null
            : ValidRecipients.Select(entry => TryNormalizeRecipient(entry, domain, out var local) ? local : null)
                .OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return this with { Host = Host!.Trim(), ValidRecipients = valid };
    }

    /// <summary>
    /// True when a (normalised) local part holds routing syntax: <c>%</c> (the "percent hack"), <c>!</c> (UUCP bang
    /// paths) or an <c>@</c>, which only a quoted local part can hold. An internal server may read such a local part
    /// as another address and send the mail on (RFC 5321 §3.6.1, §F.3): never accepted for a forwarding domain.
    /// </summary>
    public static bool HasRoutingSyntax(string localPart) => localPart.AsSpan().IndexOfAny('%', '!', '@') >= 0;

    private static string? ValidateVerification(DeliverySettings delivery, string? domain)
    {
        if (domain is null)
        {
            return delivery.VerifyRecipients is null && delivery.ValidRecipients is null
                ? null
                : "an account's Advanced Delivery takes no verifyRecipients or validRecipients: the account exists";
        }

        switch (delivery.VerifyRecipients)
        {
            case null or CalloutVerification or NoVerification:
                return delivery.ValidRecipients is null ? null : "validRecipients needs verifyRecipients 'list'";
            case ListVerification:
                if (delivery.ValidRecipients is null)
                {
                    return "verifyRecipients 'list' needs validRecipients";
                }

                foreach (var entry in delivery.ValidRecipients)
                {
                    if (!TryNormalizeRecipient(entry, domain, out var local))
                    {
                        return $"validRecipients entry '{entry}' is not a local part or an address at {domain}";
                    }

                    if (HasRoutingSyntax(local))
                    {
                        return $"validRecipients entry '{entry}' holds routing syntax (%, ! or @), which is never accepted";
                    }
                }

                return null;
            default:
                return "verifyRecipients must be 'callout', 'list' or 'none'";
        }
    }

    /// <summary>A list entry (a local part, or a full address at <paramref name="domain"/>) as a normalised local part.</summary>
    private static bool TryNormalizeRecipient(string? entry, string domain, out string localPart)
    {
        localPart = "";
        if (string.IsNullOrWhiteSpace(entry))
        {
            return false;
        }

        var text = entry.Trim();
        var parsed = text.LastIndexOf('@') > 0 && !text.EndsWith('"')
            ? EmailAddress.TryParse(text, out var address) && address.Domain == domain
            : EmailAddress.TryCreate(text, domain, out address);
        if (!parsed)
        {
            return false;
        }

        localPart = address!.LocalPart;
        return true;
    }
}
