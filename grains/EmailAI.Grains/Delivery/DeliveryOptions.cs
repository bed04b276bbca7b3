namespace EmailAI.Grains.Delivery;

/// <summary>
/// Outbound delivery (<c>EmailAI:Delivery</c>): relayed mail and Advanced Delivery. Defaults follow Postfix
/// where it has a counterpart (named in each comment).
/// </summary>
public sealed class DeliveryOptions
{
    public const string Section = "EmailAI:Delivery";

    /// <summary>Name sent in EHLO; empty means the node's <c>EmailAI:ServerDomain</c> (Postfix: smtp_helo_name = $myhostname).</summary>
    public string? HeloName { get; set; }

    /// <summary>
    /// Static routes that override MX lookup: destination domain → <c>host:port</c> (or <c>host</c>, port 25;
    /// IPv6 as <c>[addr]:port</c>). The key <c>*</c> routes every domain without its own entry (a smart host).
    /// Postfix: transport_maps / relayhost.
    /// </summary>
    public Dictionary<string, string> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>DNS servers for MX, A and AAAA lookups (<c>ip</c> or <c>ip:port</c>); empty means the system's resolvers.</summary>
    public List<string> DnsServers { get; set; } = [];

    /// <summary>Most parallel connections to one destination, cluster-wide (Postfix: default_destination_concurrency_limit = 20).</summary>
    public int MaxConnectionsPerDestination { get; set; } = 20;

    /// <summary>Parallel connections to a destination before it has proved it takes mail (Postfix: initial_destination_concurrency = 5).</summary>
    public int InitialConnectionsPerDestination { get; set; } = 5;

    /// <summary>Messages sent over one connection before it is closed and a new one opened (Postfix: smtp_connection_reuse_count_limit, here bounded).</summary>
    public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>Opportunistic STARTTLS (RFC 3207, RFC 7435): used when offered, certificates not verified; a failed handshake retries in plaintext (Postfix: smtp_tls_security_level = may).</summary>
    public bool OpportunisticTls { get; set; } = true;

    /// <summary>TCP connect timeout (Postfix: smtp_connect_timeout = 30s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait for the greeting and the replies to EHLO, MAIL, RCPT and DATA (Postfix: smtp_helo_timeout, smtp_mail_timeout, smtp_rcpt_timeout = 300s).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for the reply after the message content (Postfix: smtp_data_done_timeout = 600s).</summary>
    public TimeSpan DataDoneTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>First retry delay after a temporary failure (Postfix: minimal_backoff_time = 300s); doubled per attempt.</summary>
    public TimeSpan MinimalBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest delay between attempts (Postfix: maximal_backoff_time = 4000s).</summary>
    public TimeSpan MaximalBackoff { get; set; } = TimeSpan.FromSeconds(4000);

    /// <summary>How long a message is retried before it bounces (Postfix: maximal_queue_lifetime = 5d).</summary>
    public TimeSpan MaximalLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Send the sender one "still trying" notice once a message has waited this long; zero turns it off (Postfix: delay_warning_time, off by default; sendmail: 4h).</summary>
    public TimeSpan DelayWarningAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How often each silo looks for destinations with mail due (their grains also keep their own timers).</summary>
    public TimeSpan QueueScanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a claim (lease) on the rows being sent lasts in the store; it is renewed every third of this while
    /// their transaction runs. Another activation of the destination (a membership change, a rebalance) cannot
    /// send a claimed row; the rows of a silo that died are sent again once its claims lapse, so this is also
    /// the longest wait before that retry. No Postfix counterpart (its queue manager is one process).
    /// </summary>
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Most recipients in one mail transaction (Postfix: default_destination_recipient_limit = 50; RFC 5321
    /// §4.5.3.1.8 obliges a server to take only 100). A message with more recipients at one destination goes in
    /// several transactions on the same connection, one after the other.
    /// </summary>
    public int MaxRecipientsPerTransaction { get; set; } = 50;

    /// <summary>
    /// Most octets of the original header block a DSN carries, cut at a field boundary (the body is never
    /// returned). Stops a forged sender's bounce from carrying an attacker's 500 KB of headers to a victim: what a
    /// bounce can hold is bounded whatever arrived. Postfix: bounce_size_limit = 50000, here 64 KiB.
    /// </summary>
    public int MaxDsnHeaderBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Longest wait for one recipient callout to a forwarding domain's internal server (connect, EHLO, MAIL, RCPT),
    /// after which the RCPT is answered 451 4.4.3 and the client retries. Keeps a dead internal server from holding
    /// clients for the 5-minute command timeout. Postfix: address_verify_poll_count × address_verify_poll_delay
    /// (3 × 3s) is how long smtpd waits for the verify service.
    /// </summary>
    public TimeSpan CalloutTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an accepted recipient stays verified without another callout. Postfix:
    /// address_verify_positive_expire_time = 31d; shorter here, since the internal server's accounts change and
    /// there is no background refresh.
    /// </summary>
    public TimeSpan CalloutPositiveCacheTime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a refused recipient (5xx from the internal server) stays refused without another callout: a
    /// dictionary attack on local parts costs one callout per address per period. Postfix:
    /// address_verify_negative_expire_time = 3d (address_verify_negative_refresh_time = 3h).
    /// </summary>
    public TimeSpan CalloutNegativeCacheTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Most addresses the callout cache holds (least recently used go first): a flood of random local parts cannot
    /// grow the silo's memory without bound. No Postfix counterpart (its verify cache is an on-disk table).
    /// </summary>
    public int CalloutCacheSize { get; set; } = 100_000;

    /// <summary>
    /// Most callout connections open at once to one internal server (host:port), busy or idle; a callout that finds
    /// all of them busy waits its turn within <see cref="CalloutTimeout"/>. Keeps a flood of RCPTs from opening a
    /// connection each. Postfix: the verify service's smtp transport, default_destination_concurrency_limit = 20.
    /// </summary>
    public int CalloutConnectionsPerHost { get; set; } = 4;

    /// <summary>
    /// An idle callout connection is closed (QUIT) after this long unused. Below the internal server's own idle
    /// limit (Postfix: smtpd_timeout = 300s) so that it is we who close it; Postfix's client keeps cached
    /// connections for smtp_connection_cache_time_limit = 2s, too short to share between RCPTs here.
    /// </summary>
    public TimeSpan CalloutIdleTime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Queue rows one destination loads at a time.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>The retry delay after <paramref name="attempts"/> failed attempts: minimal backoff doubled per attempt, at most the maximal backoff.</summary>
    public TimeSpan BackoffAfter(int attempts)
    {
        var delay = MinimalBackoff;
        for (var i = 1; i < attempts && delay < MaximalBackoff; i++)
        {
            delay *= 2;
        }

        return delay < MaximalBackoff ? delay : MaximalBackoff;
    }
}
