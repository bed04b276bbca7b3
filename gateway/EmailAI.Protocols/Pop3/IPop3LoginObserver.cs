namespace EmailAI.Protocols.Pop3;

/// <summary>
/// Told of every login attempt as it ends, before its response is returned: a success only once the
/// maildrop is locked, a refusal with its reason. For logs and metrics; it cannot change the outcome, and
/// it must not throw or block (it runs on the session's turn).
/// </summary>
public interface IPop3LoginObserver
{
    void OnLogin(Pop3LoginAttempt attempt);
}
