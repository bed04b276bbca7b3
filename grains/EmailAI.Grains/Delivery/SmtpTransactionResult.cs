using EmailAI.Protocols.Smtp;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// The outcome of one mail transaction, one entry per recipient in the order given. <see cref="Replies"/>: the
/// RCPT reply of a refused recipient, otherwise the reply that ended the transaction. <see cref="Postponed"/>:
/// the RCPT was answered 452 or 552 — "too many recipients" (RFC 5321 §4.5.3.1.10: a client treats 552 here as
/// 452, and sends the recipients again in another transaction) — so the recipient was not tried; its reply is
/// then a 452 (a 552 is reported as 452 with its text), never a reason to bounce.
/// </summary>
public sealed record SmtpTransactionResult(IReadOnlyList<SmtpReply> Replies, IReadOnlyList<bool> Postponed)
{
    /// <summary>Whether the server accepted at least one RCPT of the transaction (the transaction made progress).</summary>
    public bool AnyRecipientAccepted { get; init; }
}
