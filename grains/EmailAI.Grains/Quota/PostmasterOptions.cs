namespace EmailAI.Grains.Quota;

/// <summary>
/// Where this server's own postmaster mail goes (<c>EmailAI:PostmasterAccount</c>, a silo setting): bare
/// <c>&lt;Postmaster&gt;</c> (RFC 5321 §4.5.1), postmaster@ the server's name, and postmaster@ a local domain that
/// has neither a postmaster account nor a configured postmaster. Always a real account, so this mail is under
/// an account's quota and an owner can read and delete it: a maildrop that no account owns would be a disk sink
/// anyone can fill.
/// </summary>
public sealed class PostmasterOptions
{
    public const string Section = "EmailAI";

    /// <summary>
    /// The account that receives the server's postmaster mail. Unset (the default, as Postfix sends its own
    /// notices to <c>postmaster</c>, <c>notify_classes</c>' recipient): <c>postmaster@</c> the server domain when
    /// that is a local domain, else <c>postmaster@</c> the alphabetically first local domain.
    /// </summary>
    public string? PostmasterAccount { get; set; }
}
