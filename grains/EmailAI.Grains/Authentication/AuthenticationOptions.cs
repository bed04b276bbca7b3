namespace EmailAI.Grains.Authentication;

/// <summary>Sender authentication of inbound mail (SPF, DKIM, ARC, DMARC), bound from <c>EmailAI:Authentication</c>.</summary>
public sealed class AuthenticationOptions
{
    public const string Section = "EmailAI:Authentication";

    /// <summary>Run the checks on mail from clients that did not authenticate. Off: no Authentication-Results, and no copy gets the white-list mark.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Refuse a message that fails DMARC under a <c>p=reject</c> (or <c>sp=reject</c>) policy, within its <c>pct</c>,
    /// with 550 5.7.1 at the end of DATA, as Gmail does. False: deliver it with the result recorded.
    /// </summary>
    public bool DmarcReject { get; set; } = true;

    /// <summary>The Public Suffix List file (organisational domains, RFC 7489 §3.2); Debian's <c>publicsuffix</c> package ships it here.</summary>
    public string PublicSuffixList { get; set; } = "/usr/share/publicsuffix/public_suffix_list.dat";

    /// <summary>The most one message's checks may take together; past it, what is unfinished is a temporary error.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The authserv-id of our Authentication-Results fields (RFC 8601 §2.5); fields the sender wrote with it are
    /// removed. Empty: <c>EmailAI:ServerDomain</c>.
    /// </summary>
    public string AuthServId { get; set; } = "";
}
