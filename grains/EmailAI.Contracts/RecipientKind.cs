namespace EmailAI.Contracts;

/// <summary>What a local domain says about one local part.</summary>
public enum RecipientKind
{
    /// <summary>The domain is not local (or was deleted): the address is a relay destination.</summary>
    NotLocal,

    /// <summary>Local domain, no such account: 550 5.1.1.</summary>
    UnknownUser,

    /// <summary>Deliver to the maildrop named by <see cref="RecipientResolution.Mailbox"/>.</summary>
    Mailbox,

    /// <summary>The domain forwards all its mail to an internal server (Advanced Delivery).</summary>
    Forward,

    /// <summary>
    /// postmaster@ a local domain without a postmaster account: <see cref="RecipientResolution.Mailbox"/> is the
    /// domain's configured postmaster address (still to be resolved: it may name no account), or null, and then the
    /// mail is the server's postmaster's (RFC 5321 §4.5.1).
    /// </summary>
    Postmaster,
}
