namespace EmailAI.Protocols.Smtp;

/// <summary>The answer to MAIL FROM from an <see cref="ISenderPolicy"/>: the reply, and a log-only reason.</summary>
public sealed record SenderVerdict(bool Accepted, SmtpReply Reply, string? Reason = null);
