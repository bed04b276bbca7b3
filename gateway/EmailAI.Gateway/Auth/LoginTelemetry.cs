using System.Diagnostics.Metrics;

namespace EmailAI.Gateway.Auth;

/// <summary>
/// The gateway's login counter, shared by SMTP AUTH and POP3 (meter "EmailAI.Gateway", so it is exported with the
/// gateway's other instruments). Kept apart from <see cref="GatewayTelemetry"/> so the login service owns it.
/// </summary>
public static class LoginTelemetry
{
    private static readonly Meter Meter = new(GatewayTelemetry.Name);

    /// <summary>
    /// Tags: <c>protocol</c> (smtp, pop3), <c>mechanism</c> (plain, login, scramsha256, userpass, apop),
    /// <c>result</c> (succeeded, failed, throttled, temporaryfailure).
    /// </summary>
    public static readonly Counter<long> Logins =
        Meter.CreateCounter<long>("emailai.logins", "{login}", "Credential checks of SMTP AUTH and POP3 logins, by protocol, mechanism and result");
}
