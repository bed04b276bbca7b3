namespace EmailAI.Contracts;

/// <summary>
/// Which envelope senders an authenticated session may use (the relay policy's <c>submissionSenders</c>). Stored
/// as its number; <see cref="Own"/> is 0 so relay state written before the setting existed reads as the default.
/// </summary>
public enum SubmissionSenders
{
    /// <summary>Only the account's own address (Postfix's <c>reject_sender_login_mismatch</c>).</summary>
    Own = 0,

    /// <summary>Any address in the account's domain (shared or role addresses of an organisation).</summary>
    Domain = 1,

    /// <summary>Any address at all (a trusted gateway that submits for others).</summary>
    Any = 2,
}
