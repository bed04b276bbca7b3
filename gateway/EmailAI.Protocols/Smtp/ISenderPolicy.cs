namespace EmailAI.Protocols.Smtp;

/// <summary>
/// Decides the envelope sender (MAIL FROM) of an authenticated session: by default it must be the account's
/// own address (<c>553 5.7.1 Sender address not owned by the authenticated user</c>); the relay policy's
/// <c>submissionSenders</c> (own, domain, any) widens it. Called only once the session authenticated. Safe to
/// call concurrently; an exception is a temporary failure (451 4.3.0).
/// </summary>
public interface ISenderPolicy
{
    ValueTask<SenderVerdict> CheckSenderAsync(SmtpSessionInfo session, SmtpPath sender, CancellationToken cancellationToken);
}
