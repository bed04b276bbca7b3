namespace EmailAI.Grains.Authentication.Dmarc;

/// <summary>
/// The DMARC outcome for one From domain with what it asks of the message, assuming
/// <see cref="AuthenticationOptions.DmarcReject"/> is on (the authenticator turns Reject and TemporaryFailure into
/// Accept when it is off), and the one-line <see cref="Reason"/> for logs and the SMTP reply.
/// </summary>
internal sealed record DmarcVerdict(DmarcOutcome Outcome, AuthenticationDisposition Disposition, string Reason);
