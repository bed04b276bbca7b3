namespace EmailAI.Protocols.Smtp;

/// <summary>
/// A mailbox as written in an SMTP path (RFC 5321 §4.1.2 <c>Mailbox</c>). <see cref="LocalPart"/> is the
/// local part in its wire form (a quoted string keeps its quotes); <see cref="Domain"/> is the domain as
/// sent, or an address literal including its brackets. Nothing is normalised here: case-folding and IDNA
/// belong to whoever looks the address up.
/// </summary>
public sealed record SmtpMailbox(string LocalPart, string Domain)
{
    public bool IsAddressLiteral => Domain.StartsWith('[');

    public bool IsQuotedLocalPart => LocalPart.StartsWith('"');

    /// <summary>True when any octet is outside US-ASCII, which needs SMTPUTF8 (RFC 6531 §3.3).</summary>
    public bool RequiresUtf8 => !System.Text.Ascii.IsValid(LocalPart) || !System.Text.Ascii.IsValid(Domain);

    public override string ToString() => $"{LocalPart}@{Domain}";
}
