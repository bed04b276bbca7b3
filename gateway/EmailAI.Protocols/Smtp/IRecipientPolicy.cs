namespace EmailAI.Protocols.Smtp;

/// <summary>
/// Decides each RCPT. Implementations must be safe to call concurrently from many sessions and must not
/// throw for an ordinary "no": an exception is treated as a temporary failure (451 4.3.0).
/// </summary>
public interface IRecipientPolicy
{
    ValueTask<RecipientVerdict> CheckRecipientAsync(SmtpSessionInfo session, SmtpPath sender, SmtpPath recipient, CancellationToken cancellationToken);
}
