namespace EmailAI.Protocols.Smtp;

/// <summary>Which SMTP listener a session arrived on; it decides what the session requires.</summary>
public enum SmtpEndpoint
{
    /// <summary>Port 25 (<c>EmailAI:Smtp</c>): mail from the internet; STARTTLS offered, AUTH offered under TLS, neither required.</summary>
    Mta,

    /// <summary>Port 587 (<c>EmailAI:Submission</c>, RFC 6409): STARTTLS offered, AUTH required before MAIL.</summary>
    Submission,

    /// <summary>Port 465 (<c>EmailAI:Submissions</c>, RFC 8314): TLS from the first byte, AUTH required before MAIL.</summary>
    Submissions,
}
