namespace EmailAI.Protocols.SmtpClient;

/// <summary>A remote server broke the SMTP protocol (a reply that cannot be parsed, or one out of bounds).</summary>
public sealed class SmtpProtocolException(string message) : Exception(message);
