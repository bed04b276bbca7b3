namespace EmailAI.Protocols.Smtp;

/// <summary>What a message text line longer than <see cref="SmtpOptions.MaxDataLineLength"/> does.</summary>
public enum LongLinePolicy
{
    /// <summary>
    /// Stored as received, as Postfix accepts it (RFC 5322 §2.1.1's 998 binds senders; refusing bounces mail
    /// from real, if sloppy, generators). Memory stays bounded by <see cref="SmtpOptions.MaxMessageSize"/>.
    /// </summary>
    Accept,

    /// <summary>RFC 5321 §4.5.3.1.6 read strictly: the message is refused with 554 5.6.0 at the final dot.</summary>
    Reject,
}
