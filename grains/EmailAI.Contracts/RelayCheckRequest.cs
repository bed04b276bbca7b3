namespace EmailAI.Contracts;

/// <summary>
/// The admin's dry run (<c>GET /api/v1/relay/check</c>): a session's facts as the gateway would pass them for a
/// client at that address, and optionally one recipient to decide as its first RCPT. <see cref="SpfMailFrom"/>,
/// when not null, asks for the SPF check a message from this client would get: the MAIL FROM path without angle
/// brackets, empty for <c>&lt;&gt;</c> (then the HELO name in <see cref="Session"/> is checked).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RelayCheckRequest(SessionFacts Session, RecipientRequest? Recipient, string? SpfMailFrom = null);
