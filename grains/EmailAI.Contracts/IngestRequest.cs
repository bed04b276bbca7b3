namespace EmailAI.Contracts;

/// <summary>
/// A received message to commit: the envelope, where each recipient's copy goes, and its bytes (trace header
/// included, Return-Path not yet). Every route was decided at RCPT time by the session policy; ingest only
/// carries them out: maildrop and postmaster routes are stored in local maildrops, relay and forward routes
/// are queued for delivery over SMTP.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IngestRequest(
    string QueueId,
    string Sender,
    IReadOnlyList<RecipientRoute> Routes,
    DateTimeOffset ReceivedAt,
    byte[] Content);
