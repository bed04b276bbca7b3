namespace EmailAI.Protocols.Smtp;

/// <summary>Where a session stands (RFC 5321 §4.1.4 command ordering).</summary>
public enum SmtpState
{
    /// <summary>Greeting sent; only EHLO/HELO and the always-legal commands are accepted.</summary>
    Connected,

    /// <summary>The client introduced itself; MAIL may start a transaction.</summary>
    Greeted,

    /// <summary>MAIL accepted; RCPT and DATA are legal.</summary>
    InTransaction,
}
