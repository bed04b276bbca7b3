namespace EmailAI.Storage;

/// <summary>
/// One recipient of an outbound message. <paramref name="Recipient"/> is the address as it will appear in
/// RCPT TO (local part case preserved); <paramref name="Destination"/> is the queue it waits in, the
/// recipient's normalised domain, which is what one delivery grain owns and connects to.
/// </summary>
public sealed record OutboundRecipient(string Recipient, string Destination);
