namespace EmailAI.Contracts;

/// <summary>
/// A received message to commit: the envelope, where each recipient's copy goes, and its bytes (trace header
/// included, Return-Path not yet). Every route was decided at RCPT time by the session policy; ingest only
/// carries them out: maildrop and postmaster routes are stored in local maildrops, relay and forward routes
/// are queued for delivery over SMTP. <see cref="Client"/> is the SMTP client the message came from (null for mail
/// this server made): sender authentication (SPF, DKIM, DMARC) runs for a client that did not authenticate.
/// <see cref="CommitBy"/> is when the caller stops waiting (UTC, by its clock): ingest shortens the checks to end
/// before it and, once it has passed, commits nothing and throws <see cref="TimeoutException"/>, so a caller that
/// answered 451 at its deadline never finds the message stored after all (a duplicate when the client retries).
/// <see cref="TraceParent"/> is the W3C traceparent of the SMTP transaction: the commit and every delivery attempt of
/// the queued copies join that trace, whether or not a tracer listens (Orleans carries a trace only when one does).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IngestRequest(
    string QueueId,
    string Sender,
    IReadOnlyList<RecipientRoute> Routes,
    DateTimeOffset ReceivedAt,
    byte[] Content,
    IngestClient? Client = null,
    DateTimeOffset? CommitBy = null,
    string? TraceParent = null);
