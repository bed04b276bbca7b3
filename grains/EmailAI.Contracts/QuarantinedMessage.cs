namespace EmailAI.Contracts;

/// <summary>
/// A message held in an account's quarantine, as the admin API lists it. <see cref="From"/>, <see cref="Subject"/> and
/// <see cref="Date"/> are read from the message's own header fields when it was held, decoded and capped in length
/// (null when the field is missing or unreadable): they are what the sender wrote, not verified.
/// <see cref="FromAddress"/> is the addr-spec of the first <c>From:</c> mailbox, the address a release adds to the white
/// list when <see cref="FromAuthenticated"/> (its domain was DMARC-authenticated). <see cref="ExpiresAt"/> is
/// <see cref="HeldAt"/> plus the silo's <c>EmailAI:Quarantine:Retention</c>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QuarantinedMessage(
    long Id,
    string Sender,
    string? From,
    string? FromAddress,
    string? Subject,
    DateTimeOffset? Date,
    long Size,
    DateTimeOffset HeldAt,
    string AuthenticationResults,
    bool FromAuthenticated)
{
    [Id(10)]
    public DateTimeOffset ExpiresAt { get; init; }
}
