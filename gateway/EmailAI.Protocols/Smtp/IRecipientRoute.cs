namespace EmailAI.Protocols.Smtp;

/// <summary>
/// Where an accepted recipient's copy goes, as the policy decided at RCPT time. Opaque to the session, which
/// hands it back to the message sink unchanged, so the decision made at RCPT is the one that delivers.
/// <see cref="object.ToString"/> is the route as a log line shows it.
/// </summary>
public interface IRecipientRoute;
