namespace EmailAI.Protocols.Smtp;

/// <summary>
/// Takes a complete message after the final dot. The contract that makes SMTP's promise true:
/// return a 2xx reply only once the message is durably committed for every recipient (a crash after
/// that must not lose it); return 4xx when nothing was committed and the client should retry; never
/// commit part of the recipients and then fail. <paramref name="content"/> holds the message as it will
/// be stored (trace header already prepended, dot-unstuffed, CRLF line ends) and is only valid during
/// the call.
/// </summary>
public interface IMessageSink
{
    ValueTask<SmtpReply> CommitAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);
}
