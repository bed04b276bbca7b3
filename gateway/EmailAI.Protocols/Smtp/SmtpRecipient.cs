namespace EmailAI.Protocols.Smtp;

/// <summary>An accepted recipient: the path as the client wrote it and the destination the policy chose.</summary>
public sealed record SmtpRecipient(SmtpPath Path, string Destination);
