namespace EmailAI.Contracts;

/// <summary>
/// A received message to commit: the envelope, where it goes, and its bytes (trace header included,
/// Return-Path not yet). All destinations were decided at RCPT time: <see cref="Mailboxes"/> are normalised
/// maildrop keys; <see cref="Relayed"/> are remote addresses an authorised client relays through us;
/// <see cref="Forwarded"/> are addresses in local domains whose mail goes to an internal server (Advanced
/// Delivery). Relayed and forwarded recipients are queued for delivery over SMTP.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IngestRequest(
    string QueueId,
    string Sender,
    IReadOnlyList<string> Mailboxes,
    DateTimeOffset ReceivedAt,
    byte[] Content)
{
    [Id(5)]
    public IReadOnlyList<string> Relayed { get; init; } = [];

    [Id(6)]
    public IReadOnlyList<ForwardedRecipient> Forwarded { get; init; } = [];
}

/// <summary>
/// A recipient with Advanced Delivery: the address as it goes out in RCPT TO, and the outbound queue it waits
/// in: its domain when the whole domain forwards, or the account's key when only that account does.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ForwardedRecipient(string Address, string Destination);
