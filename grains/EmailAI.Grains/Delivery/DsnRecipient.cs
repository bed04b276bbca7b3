using EmailAI.Protocols.Smtp;

namespace EmailAI.Grains.Delivery;

/// <summary>One recipient's line in a delivery status notification.</summary>
public sealed record DsnRecipient(string Recipient, SmtpReply Reply, string? RemoteMta, DateTimeOffset LastAttempt);
