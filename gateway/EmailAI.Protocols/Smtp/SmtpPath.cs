namespace EmailAI.Protocols.Smtp;

/// <summary>
/// A forward- or reverse-path (RFC 5321 §4.1.2). <see cref="Mailbox"/> is null for the null reverse-path
/// <c>&lt;&gt;</c>. A source route (<c>@a,@b:</c>) is parsed and kept in <see cref="SourceRoute"/> but, as
/// RFC 5321 §C directs, never used for routing. <see cref="IsBarePostmaster"/> marks <c>&lt;Postmaster&gt;</c>
/// without a domain, which RCPT must accept (RFC 5321 §4.5.1).
/// </summary>
public sealed record SmtpPath(SmtpMailbox? Mailbox, string? SourceRoute = null, bool IsBarePostmaster = false)
{
    public static readonly SmtpPath Null = new((SmtpMailbox?)null);

    public bool IsNull => Mailbox is null && !IsBarePostmaster;

    public override string ToString() =>
        IsBarePostmaster ? "<postmaster>" : Mailbox is null ? "<>" : $"<{Mailbox}>";
}
