namespace EmailAI.Tests.Delivery;

/// <summary>
/// How an <see cref="SmtpSink"/> behaves. Every member is read at the moment it matters (greeting when a
/// connection is accepted, hooks when the command arrives), so a test may change a property — or replace the whole
/// object through <see cref="SmtpSink.Options"/> — while the sink runs; the change applies to the next command.
/// Hooks run on the connection's task and may be called concurrently for different connections.
/// </summary>
public sealed class SmtpSinkOptions
{
    /// <summary>
    /// Reply to RCPT TO, given the address without angle brackets. Returns a complete reply line such as
    /// "550 5.1.1 No such user" or "451 4.3.0 Try later"; null means "250 2.1.5 OK". Only recipients answered
    /// with 2xx are recorded.
    /// </summary>
    public Func<string, string?>? RcptReply { get; set; }

    /// <summary>
    /// Recipients accepted in one transaction; every RCPT after that many gets <see cref="TooManyRecipientsReply"/>
    /// (RFC 5321 §4.5.3.1.10). Zero means no limit.
    /// </summary>
    public int MaxRecipientsPerTransaction { get; set; }

    /// <summary>Reply to a RCPT past <see cref="MaxRecipientsPerTransaction"/>: 452 as RFC 5321 asks, or 552 as some servers answer.</summary>
    public string TooManyRecipientsReply { get; set; } = "452 4.5.3 Too many recipients";

    /// <summary>
    /// Reply to the end of DATA, given the message as it would be recorded. Null means "250 2.0.0 OK"; a reply that
    /// is not 2xx means the message is not recorded (the client was told it was not accepted).
    /// </summary>
    public Func<SinkMessage, string?>? DataReply { get; set; }

    /// <summary>Reply to a well-formed MAIL FROM; null means "250 2.1.0 OK". Not 2xx: no transaction starts.</summary>
    public string? MailReply { get; set; }

    /// <summary>
    /// Wait between receiving the end of DATA and answering it, to simulate a slow server (RFC 5321 §4.5.3.2.6
    /// gives clients 10 minutes here). Zero means answer at once.
    /// </summary>
    public TimeSpan DataDelay { get; set; }

    /// <summary>
    /// Greeting line instead of the default 220. A greeting that is not 220 (e.g. "421 4.3.2 busy" or
    /// "554 5.3.2 no service") is sent and the connection is then closed (RFC 5321 §3.1).
    /// </summary>
    public string? Greeting { get; set; }

    /// <summary>Offer 8BITMIME (RFC 6152) and SMTPUTF8 (RFC 6531); false makes a 7-bit-only server.</summary>
    public bool EightBitMime { get; set; } = true;

    /// <summary>Offer STARTTLS (RFC 3207) with an in-memory self-signed certificate for "localhost" and 127.0.0.1.</summary>
    public bool Tls { get; set; }

    /// <summary>
    /// After the whole message (and <see cref="DataDelay"/>) close the TCP connection without a reply, as a server
    /// that crashed between receipt and acknowledgement would; the message is not recorded.
    /// </summary>
    public bool DropAfterData { get; set; }

    /// <summary>
    /// Largest message accepted, in octets after dot-unstuffing, advertised as "SIZE n" (RFC 1870). A larger SIZE=
    /// parameter on MAIL FROM or larger content gets 552 5.3.4. Zero means no limit (advertised as bare "SIZE");
    /// MailKit then sends no SIZE= parameter, so set a limit when a test needs to see one.
    /// </summary>
    public int MaxMessageSize { get; set; }

    /// <summary>
    /// Longest text line accepted in DATA, in octets including CRLF and not counting a stuffed leading dot
    /// (RFC 5321 §4.5.3.1.6: 1000). A longer line makes the message fail with 554 5.6.0 after its end. Zero means
    /// no limit.
    /// </summary>
    public int MaxLineLength { get; set; } = 1000;

    /// <summary>Clock for <see cref="SinkMessage.ReceivedAt"/> and <see cref="DataDelay"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
