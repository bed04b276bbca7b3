namespace EmailAI.Contracts;

/// <summary>
/// A received message to commit: the envelope, the maildrops it goes to, and its bytes (trace header
/// included, Return-Path not yet). Mailboxes are normalised keys, already decided at RCPT time.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IngestRequest(
    string QueueId,
    string Sender,
    IReadOnlyList<string> Mailboxes,
    DateTimeOffset ReceivedAt,
    byte[] Content);
