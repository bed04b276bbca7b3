using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Gateway.Smtp;

/// <summary>The one mapping from the engine's view of a session to the facts the silo's policy decides from.</summary>
public static class SessionFactsExtensions
{
    /// <summary>
    /// The session's facts; the country is the one looked up when the connection was accepted, and
    /// <see cref="SessionFacts.CountryLookedUp"/> is false when this node has no location database.
    /// </summary>
    public static SessionFacts ToFacts(this SmtpSessionInfo session, string serverDomain) =>
        new(session.RemoteAddress, session.HeloName, session.Tls, session.AuthenticatedIdentity,
            session.Location?.Country, serverDomain, CountryLookedUp: session.Location is not null);

    /// <summary>
    /// One RCPT to decide, with the sender and recipient as the client wrote them (nothing normalised) and the size
    /// declared on MAIL (<see cref="SmtpSessionInfo.DeclaredSize"/>), which a recipient's quota is checked against.
    /// </summary>
    public static RecipientRequest ToRecipientRequest(this SessionFacts facts, SmtpPath sender, SmtpPath recipient, long? declaredSize = null) =>
        new(facts, sender.Mailbox?.ToString() ?? "", recipient.Mailbox?.LocalPart ?? "", recipient.Mailbox?.Domain ?? "", recipient.IsBarePostmaster)
        {
            DeclaredSize = declaredSize,
        };
}
