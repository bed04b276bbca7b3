namespace EmailAI.Tests.Fuzz;

/// <summary>The listener and services an SMTP fuzz session is set up with.</summary>
public enum SmtpFuzzProfile
{
    /// <summary>Port 25 without TLS or AUTH (<c>SmtpSessionContext.Plain</c>).</summary>
    Mta,

    /// <summary>Port 25 with a certificate: STARTTLS, then AUTH under TLS.</summary>
    MtaTls,

    /// <summary>Port 25 without TLS but <c>AllowInsecureAuth</c>: AUTH in clear.</summary>
    InsecureAuth,

    /// <summary>Port 587: STARTTLS, AUTH required before MAIL, the sender policy.</summary>
    Submission,

    /// <summary>Port 465: TLS from the start, AUTH required before MAIL, the sender policy.</summary>
    Submissions,
}
