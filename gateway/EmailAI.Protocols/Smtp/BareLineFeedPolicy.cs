namespace EmailAI.Protocols.Smtp;

/// <summary>
/// What a bare LF (or bare CR) inside DATA does. In every mode only <c>CRLF.CRLF</c> ends the message
/// (RFC 5321 §4.1.1.4), so no form of <c>LF.LF</c>, <c>LF.CRLF</c> or <c>CRLF.LF</c> can end it early and
/// open a second transaction (SMTP smuggling, CVE-2023-51764/51765/51766).
/// </summary>
public enum BareLineFeedPolicy
{
    /// <summary>
    /// Postfix 3.9's <c>smtpd_forbid_bare_newline = normalize</c>: a bare LF ends a line and is stored as
    /// CRLF. A bare CR is kept as content, as Postfix keeps it: no common MTA ends a line at a bare CR, so it
    /// cannot move a line or message boundary downstream, and dropping or converting it would alter the text.
    /// </summary>
    Normalize,

    /// <summary>
    /// RFC 5321 §2.3.8 read strictly: a message with a bare LF or bare CR is refused whole with 554 5.6.0
    /// at the final dot, and nothing of it is stored.
    /// </summary>
    Reject,
}
