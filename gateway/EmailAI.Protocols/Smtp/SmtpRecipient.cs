namespace EmailAI.Protocols.Smtp;

/// <summary>An accepted recipient: the path as the client wrote it and the route the policy chose.</summary>
public sealed record SmtpRecipient(SmtpPath Path, IRecipientRoute Route);
