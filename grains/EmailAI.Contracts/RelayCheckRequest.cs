namespace EmailAI.Contracts;

/// <summary>
/// The admin's dry run (<c>GET /api/v1/relay/check</c>): a session's facts as the gateway would pass them for a
/// client at that address, and optionally one recipient to decide as its first RCPT.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RelayCheckRequest(SessionFacts Session, RecipientRequest? Recipient);
