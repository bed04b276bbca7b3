using System.Net;

namespace EmailAI.Protocols.Pop3;

/// <summary>
/// One login attempt and its outcome. <see cref="User"/> is what the client sent, unescaped (it may hold
/// any character but CR and LF): escape it before it reaches a log. <see cref="Mailbox"/> is set once the
/// maildrop is known (<see cref="Pop3LoginOutcome.LoggedIn"/>, <see cref="Pop3LoginOutcome.InUse"/>).
/// </summary>
public sealed record Pop3LoginAttempt(string User, string Mechanism, IPAddress RemoteAddress, Pop3LoginOutcome Outcome, string? Mailbox = null);
