namespace EmailAI.Protocols.Smtp;

/// <summary>The limit that ended a session, named after its <see cref="SmtpOptions"/> property (the metric's <c>limit</c> tag).</summary>
public enum SmtpSessionLimit
{
    CommandTimeout,
    DataIdleTimeout,
    MinDataRate,
    MaxDataDuration,
    MaxSessionDuration,
    MaxJunkCommands,
    MaxErrors,
}
