using EmailAI.Protocols.Pop3;

namespace EmailAI.Tests.Pop3;

/// <summary>Collects the login attempts a session reports, in order.</summary>
public sealed class RecordingLoginObserver : IPop3LoginObserver
{
    public List<Pop3LoginAttempt> Attempts { get; } = [];

    public void OnLogin(Pop3LoginAttempt attempt) => Attempts.Add(attempt);
}
