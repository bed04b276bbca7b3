namespace EmailAI.Grains.Dns;

/// <summary>
/// The resolvers every lookup uses (MX and A/AAAA for delivery, TXT for SPF, DKIM and DMARC, PTR for SPF's
/// <c>ptr</c>), bound from <c>EmailAI:Dns</c>. Answers are cached for their TTL; a lookup that times out or gets
/// SERVFAIL is a temporary failure, never an empty answer.
/// </summary>
public sealed class DnsOptions
{
    public const string Section = "EmailAI:Dns";

    /// <summary>
    /// <c>ip</c> or <c>ip:port</c> entries (<c>[v6]:port</c> for IPv6 with a port). Empty: the system's resolvers
    /// (/etc/resolv.conf), unless the older <c>EmailAI:Delivery:DnsServers</c>, kept as an alias, names some.
    /// </summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>How long one query waits for an answer before it is retried (then tried on the next server).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of a query that timed out, per server.</summary>
    public int Retries { get; set; } = 2;
}
