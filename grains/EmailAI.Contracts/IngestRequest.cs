namespace EmailAI.Contracts;

/// <summary>
/// A received message to commit: the envelope, where each recipient's copy goes, and its bytes (trace header
/// included, Return-Path not yet). Every route was decided at RCPT time by the session policy; ingest only
/// carries them out: maildrop and postmaster routes are stored in local maildrops, relay and forward routes
/// are queued for delivery over SMTP. <see cref="Client"/> is the SMTP client the message came from (null for mail
/// this server made): sender authentication (SPF, DKIM, DMARC) runs for a client that did not authenticate.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IngestRequest(
    string QueueId,
    string Sender,
    IReadOnlyList<RecipientRoute> Routes,
    DateTimeOffset ReceivedAt,
    byte[] Content,
    IngestClient? Client = null);
