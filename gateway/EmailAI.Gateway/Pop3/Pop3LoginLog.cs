using EmailAI.Protocols.Common;
using EmailAI.Protocols.Pop3;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway.Pop3;

/// <summary>
/// Logs and counts POP3 logins as the session reports them: a success only once the maildrop is locked, a
/// refusal with its reason (wrong credentials, locked by another session, plaintext not allowed on this
/// connection, throttled, temporary trouble). The user name is escaped (<see cref="LogText.EscapeToken"/>); the
/// password never reaches it. Counted in <c>emailai.pop3.logins</c> with <c>result</c> = success | failure
/// and, for a failure, <c>reason</c>.
/// </summary>
public sealed class Pop3LoginLog(ILogger logger) : IPop3LoginObserver
{
    public void OnLogin(Pop3LoginAttempt attempt)
    {
        var user = LogText.EscapeToken(attempt.User);
        if (attempt.Outcome == Pop3LoginOutcome.LoggedIn)
        {
            GatewayTelemetry.Pop3Logins.Add(1, new KeyValuePair<string, object?>("result", "success"));
            logger.LogInformation("POP3 login user={User} from {RemoteAddress} via {Mechanism}: maildrop {Mailbox} locked", user, attempt.RemoteAddress, attempt.Mechanism, attempt.Mailbox);
            return;
        }

        var reason = Reason(attempt.Outcome);
        GatewayTelemetry.Pop3Logins.Add(1, new KeyValuePair<string, object?>("result", "failure"), new KeyValuePair<string, object?>("reason", reason));
        logger.LogWarning("POP3 login refused: user={User} from {RemoteAddress} via {Mechanism}: {Reason}", user, attempt.RemoteAddress, attempt.Mechanism, reason);
    }

    /// <summary>The reason as logged and as the metric's <c>reason</c> tag.</summary>
    public static string Reason(Pop3LoginOutcome outcome) => outcome switch
    {
        Pop3LoginOutcome.WrongCredentials => "wrong credentials",
        Pop3LoginOutcome.InUse => "maildrop locked by another session",
        Pop3LoginOutcome.PlaintextNotAllowed => "plaintext not allowed on this connection",
        Pop3LoginOutcome.Throttled => "throttled after too many failures",
        Pop3LoginOutcome.TemporaryFailure => "temporary failure",
        _ => "logged in",
    };
}
