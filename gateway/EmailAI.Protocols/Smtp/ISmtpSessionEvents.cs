namespace EmailAI.Protocols.Smtp;

/// <summary>
/// What an <see cref="SmtpSession"/> tells its host for the log, so an admin can answer "why was my mail
/// refused?" (Postfix's <c>NOQUEUE: reject:</c> line is the model). Called synchronously on the session's
/// loop, after the decision and before the reply is written; an implementation must not throw or block.
/// Values in the events are as the client sent them: the implementation escapes them
/// (<see cref="Common.LogText.Escape"/>) before they reach a log.
/// </summary>
public interface ISmtpSessionEvents
{
    /// <summary>A command, or the message at its final dot, got a 4xx/5xx reply (or the session hung up on it).</summary>
    void Rejected(SmtpRejection rejection);

    /// <summary>A message was committed and answered 250 with its queue id; <paramref name="size"/> is the stored octets.</summary>
    void Accepted(SmtpEnvelope envelope, long size);
}
