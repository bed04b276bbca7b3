namespace EmailAI.Tests.Delivery;

/// <summary>
/// One message an <see cref="SmtpSink"/> accepted (answered 2xx at the end of DATA).
/// </summary>
/// <param name="MailFrom">The reverse-path of MAIL FROM without angle brackets; "" for the null sender.</param>
/// <param name="Recipients">The forward-paths answered 2xx, in the order given, without angle brackets.</param>
/// <param name="Data">
/// The content exactly as transmitted after dot-unstuffing (RFC 5321 §4.5.2): the terminating "." line is
/// excluded, the CRLF ending the last line is included. Bare CR and LF are kept as sent.
/// </param>
/// <param name="HeloName">The argument of the EHLO or HELO of the session the message came in (after STARTTLS, the second one).</param>
/// <param name="Tls">True when the message came over a STARTTLS-protected session.</param>
/// <param name="ConnectionNumber">1 for the first connection the sink accepted, 2 for the next, and so on.</param>
/// <param name="ReceivedAt">When the end of DATA arrived (before any <see cref="SmtpSinkOptions.DataDelay"/>).</param>
public sealed record SinkMessage(
    string MailFrom,
    IReadOnlyList<string> Recipients,
    byte[] Data,
    string HeloName,
    bool Tls,
    int ConnectionNumber,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The ESMTP parameters given on MAIL FROM as sent, e.g. "BODY=8BITMIME", "SMTPUTF8", "SIZE=1234".</summary>
    public IReadOnlyList<string> MailParameters { get; init; } = [];
}
