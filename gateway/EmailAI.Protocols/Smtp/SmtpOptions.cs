using EmailAI.Protocols.Common;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// Limits of one SMTP session. Each is enforced by the framer or the session; defaults follow RFC 5321
/// and Postfix's stock settings.
/// </summary>
public sealed class SmtpOptions : IConnectionLimitOptions
{
    /// <summary>Domain in the 220 greeting and the EHLO reply (the seed's "SMTP Server Domain").</summary>
    public string ServerDomain { get; set; } = "localhost";

    /// <summary>
    /// Longest command line, CRLF included (RFC 5321 §4.5.3.1.4: 512). Longer lines get 500 5.5.2 and are
    /// discarded up to their LF, so a client cannot make the server buffer without bound.
    /// </summary>
    public int MaxCommandLineLength { get; set; } = 512;

    /// <summary>
    /// Longest text line inside DATA, CRLF included (RFC 5321 §4.5.3.1.6: 1000). What a longer line does is
    /// <see cref="LongLines"/>'s choice; it is never split.
    /// </summary>
    public int MaxDataLineLength { get; set; } = 1000;

    /// <summary>
    /// Lines longer than <see cref="MaxDataLineLength"/>: stored as received, or the message refused with
    /// 554 5.6.0 at the final dot (configuration <c>EmailAI:Smtp:LongLines</c>).
    /// </summary>
    public LongLinePolicy LongLines { get; set; } = LongLinePolicy.Accept;

    /// <summary>
    /// Bare LF and bare CR in message text (RFC 5321 §2.3.8; SMTP smuggling): normalised as Postfix 3.9's
    /// <c>smtpd_forbid_bare_newline = normalize</c> does, or the message refused with 554 5.6.0
    /// (configuration <c>EmailAI:Smtp:BareLineFeeds</c>). Only CRLF.CRLF ends a message either way.
    /// </summary>
    public BareLineFeedPolicy BareLineFeeds { get; set; } = BareLineFeedPolicy.Normalize;

    /// <summary>
    /// Largest message in octets after dot-unstuffing, advertised in SIZE (RFC 1870). Postfix's
    /// message_size_limit default. Over it: 552 5.3.4 and nothing stored.
    /// </summary>
    public long MaxMessageSize { get; set; } = 10_240_000;

    /// <summary>
    /// Largest header field in octets, its continuation lines and CRLFs included (Postfix's header_size_limit,
    /// 102400; configuration <c>EmailAI:Smtp:MaxHeaderFieldSize</c>). Over it: 552 5.3.4 at the final dot and
    /// nothing stored. Header parsers spend time that grows with the square of one folded field's length (MimeKit
    /// took 7.5 s over a 4.5 MB one), so this bound protects every check that reads the header.
    /// </summary>
    public long MaxHeaderFieldSize { get; set; } = 102_400;

    /// <summary>
    /// Largest header in octets, up to the empty line that ends it (Exim's header_maxsize, 1 MiB; configuration
    /// <c>EmailAI:Smtp:MaxHeaderSize</c>). Over it: 552 5.3.4 at the final dot and nothing stored.
    /// </summary>
    public long MaxHeaderSize { get; set; } = 1_048_576;

    /// <summary>
    /// Recipients per message (RFC 5321 §4.5.3.1.8 requires at least 100; Postfix's smtpd_recipient_limit is
    /// 1000). Past it RCPT gets 452 4.5.3 and the client sends the rest in another transaction.
    /// </summary>
    public int MaxRecipients { get; set; } = 1000;

    /// <summary>
    /// RCPTs a session may send past <see cref="MaxRecipients"/> (each answered 452 4.5.3) before every further
    /// one counts toward <see cref="MaxErrors"/> (Postfix's smtpd_recipient_overshoot_limit, 1000). Counted over
    /// the whole session, not per transaction. Without it a client could send RCPTs past the limit for ever,
    /// each one a reply and a log line, and never be disconnected.
    /// </summary>
    public int MaxRecipientOvershoot { get; set; } = 1000;

    /// <summary>
    /// Received fields a message may already carry when it arrives (RFC 5321 §6.3: count them to detect mail
    /// loops; Postfix's hopcount_limit is 50). One more and the message is refused with 554 5.4.6.
    /// </summary>
    public int MaxReceivedHeaders { get; set; } = 50;

    /// <summary>
    /// Error replies tolerated in one session before 421 4.7.0 and disconnect (Postfix's
    /// smtpd_hard_error_limit). Stops address harvesting and command fuzzing from holding a slot.
    /// </summary>
    public int MaxErrors { get; set; } = 20;

    /// <summary>
    /// Time allowed for a whole command line to arrive after the previous reply (RFC 5321 §4.5.3.2.7: the
    /// server timeout is at least 5 minutes). Bytes trickling in do not extend it, so slow-loris
    /// clients are cut off. On expiry: 421 4.4.2.
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Longest silence after 354 and while a message is being received (RFC 5321 §4.5.3.2.7: a server
    /// waits at least 5 minutes). Each arriving block restarts it. On expiry: 421 4.4.2 and the partial
    /// message is dropped.
    /// </summary>
    public TimeSpan DataIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Slowest message text a client may send after 354, in octets per second (Postfix 3.7's smtpd_min_data_rate,
    /// 500; 0 turns it off and <see cref="DataIdleTimeout"/> is a plain idle timeout). Postfix's per-record deadline:
    /// the budget for the next read starts at <see cref="DataIdleTimeout"/>, each read spends the time it waited and
    /// earns back octets ÷ rate seconds, never more than <see cref="DataIdleTimeout"/>. Stops a client that holds a
    /// slot by trickling one octet just inside the idle timeout (1 octet every 5 s once held all 1,000 slots from 20
    /// addresses). Exhausted: 421 4.4.2, the partial message dropped.
    /// </summary>
    public int MinDataRate { get; set; } = 500;

    /// <summary>
    /// Longest DATA phase, from 354 to the final dot (Postfix has no such bound; 10 MB at 2.8 KB/s take an hour).
    /// Stops an endless line (or message) sent just fast enough to satisfy <see cref="MinDataRate"/>. Past it:
    /// 421 4.4.2, nothing stored.
    /// </summary>
    public TimeSpan MaxDataDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Commands that make no progress a session may send (Postfix's smtpd_junk_command_limit, 100): NOOP, RSET, HELP,
    /// VRFY, EXPN, ETRN and every HELO/EHLO after the first of a TLS phase. Past it each one also counts toward
    /// <see cref="MaxErrors"/>, as in Postfix, so the error limit ends the session. Reset when a message is accepted
    /// (250 after DATA). Stops a client that holds a slot with NOOP inside the command timeout.
    /// </summary>
    public int MaxJunkCommands { get; set; } = 100;

    /// <summary>
    /// Longest session (Postfix has none). Checked at command boundaries: the first command after it, or the host's
    /// wait reaching it, gets 421 4.4.2 "Session time limit exceeded" and the connection closes; a message in DATA is
    /// bounded by <see cref="MaxDataDuration"/> instead and may finish. Stops a client that holds a slot for ever with
    /// commands that each look useful.
    /// </summary>
    public TimeSpan MaxSessionDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Errors a client may make before each further error reply is delayed (Postfix's smtpd_soft_error_limit, 10).
    /// Counted per client group (<see cref="ClientIpv6PrefixLength"/>) over <see cref="ErrorHistoryWindow"/> when
    /// the host keeps a history (<see cref="IClientStanding"/>), else per session, so an address harvester that
    /// reconnects every few errors is still slowed down. Past it refusals are also counted rather than logged one
    /// line each.
    /// </summary>
    public int SoftErrorLimit { get; set; } = 10;

    /// <summary>
    /// Delay per error past <see cref="SoftErrorLimit"/> (Postfix's smtpd_error_sleep_time, 1 s): the n-th error reply
    /// waits ErrorSleepTime × (n − SoftErrorLimit), at most <see cref="MaxErrorSleepTime"/>. Stops RCPT enumeration
    /// at full speed (20,084 addresses/s from one address before).
    /// </summary>
    public TimeSpan ErrorSleepTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay of one error reply (ours; Postfix's delay does not grow), so a slot is not held for long by the tarpit itself.</summary>
    public TimeSpan MaxErrorSleepTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a client group's errors are remembered across sessions for <see cref="SoftErrorLimit"/> (Postfix's anvil_rate_time_unit is 60 s; ours is longer because harvesters pace themselves).</summary>
    public TimeSpan ErrorHistoryWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Client groups the error history keeps at once; past it the group with the oldest error is forgotten, so a flood of addresses cannot exhaust memory.</summary>
    public int ErrorHistoryCapacity { get; set; } = 10_000;

    /// <summary>
    /// Share of <see cref="MaxConnections"/> open at which new sessions get the stress limits below (Postfix's
    /// STRESS_README: smtpd's stress mode when its process limit is reached; ours starts earlier so a slot is still
    /// free for the next legitimate sender). A flood of idle or slow clients is then shed within seconds. 0 or less
    /// turns stress mode off; the host logs when it starts and ends.
    /// </summary>
    public double StressThreshold { get; set; } = 0.8;

    /// <summary><see cref="CommandTimeout"/> of a session begun under stress (Postfix's smtpd_timeout under stress: 10 s).</summary>
    public TimeSpan StressCommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><see cref="DataIdleTimeout"/> of a session begun under stress (Postfix's smtpd_timeout under stress: 10 s).</summary>
    public TimeSpan StressDataIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><see cref="MaxErrors"/> of a session begun under stress (Postfix's smtpd_hard_error_limit under stress: 1).</summary>
    public int StressMaxErrors { get; set; } = 1;

    /// <summary><see cref="MaxJunkCommands"/> of a session begun under stress (Postfix's smtpd_junk_command_limit under stress: 1).</summary>
    public int StressMaxJunkCommands { get; set; } = 1;

    /// <summary>
    /// A copy of these options with the stress limits in force, for one session begun under stress. Stress only
    /// tightens: a configured limit already stricter than its stress counterpart is kept.
    /// </summary>
    public SmtpOptions UnderStress()
    {
        var stressed = (SmtpOptions)MemberwiseClone();
        stressed.CommandTimeout = StressCommandTimeout < CommandTimeout ? StressCommandTimeout : CommandTimeout;
        stressed.DataIdleTimeout = StressDataIdleTimeout < DataIdleTimeout ? StressDataIdleTimeout : DataIdleTimeout;
        stressed.MaxErrors = Math.Min(StressMaxErrors, MaxErrors);
        stressed.MaxJunkCommands = Math.Min(StressMaxJunkCommands, MaxJunkCommands);
        return stressed;
    }

    /// <summary>
    /// SMTP connections one gateway serves at once; one more is greeted with 421 4.7.0 and closed, so a
    /// flood cannot exhaust memory or file descriptors.
    /// </summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>
    /// Simultaneous connections from one client (an IPv4 address, or an IPv6 prefix of
    /// <see cref="ClientIpv6PrefixLength"/> bits; Postfix's smtpd_client_connection_count_limit, 50); one more gets
    /// 421 4.7.0 and is closed, so a few addresses cannot take every slot of <see cref="MaxConnections"/>. Clients on
    /// the Authorised IP list, and loopback while <see cref="ExemptLoopback"/> is on, are not held to it.
    /// </summary>
    public int MaxConnectionsPerClient { get; set; } = 50;

    /// <summary>
    /// Connection attempts one client may make per <see cref="ConnectionRateWindow"/> (Postfix's
    /// smtpd_client_connection_rate_limit; 0, its default, is no limit). Attempts refused by a limit count too, as
    /// in Postfix's anvil, so a client hammering the port stays refused until a window passes without it. One more
    /// gets 421 4.7.0 and is closed: stops a client that opens and drops connections faster than any concurrency
    /// limit sees them (greeting floods, address harvesting over many short sessions). Exemptions as for
    /// <see cref="MaxConnectionsPerClient"/>.
    /// </summary>
    public int MaxConnectionRatePerClient { get; set; }

    /// <summary>
    /// The time unit of <see cref="MaxConnectionRatePerClient"/> (Postfix's anvil_rate_time_unit, 60 s). A client's
    /// window starts at its first attempt and its count starts again once the window has passed.
    /// </summary>
    public TimeSpan ConnectionRateWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Leading bits of an IPv6 client address that name one client for the per-client limits and the error tarpit's
    /// history (default 64: a /64
    /// is what one host or site is commonly given, RFC 6177). Without it one host with a /64 could open 2^64
    /// "clients". IPv4 clients are counted per address, IPv4-mapped IPv6 as the IPv4 address. 0–128 (a value
    /// outside is taken as the nearest end).
    /// </summary>
    public int ClientIpv6PrefixLength { get; set; } = 64;

    /// <summary>
    /// Whether loopback clients (127.0.0.0/8, ::1) are exempt from the per-client count and rate limits, as
    /// Postfix exempts $mynetworks through smtpd_client_event_limit_exceptions (default true: local filters and
    /// content scanners reinject over loopback). <see cref="MaxConnections"/> applies to them all the same.
    /// </summary>
    public bool ExemptLoopback { get; set; } = true;

    /// <summary>
    /// Reply octets one <see cref="SmtpSession.ProcessAsync"/> call may produce before it stops taking pipelined
    /// commands until the host has written them (RFC 2920 §3.1 lets a server stop reading while its replies wait).
    /// Stops a client that sends commands and never reads from making the server hold their replies: 1 MB of
    /// <c>HELP</c> lines once became 14 MB of replies per connection. Reached, the host flushes (waiting for the
    /// client to read) before more commands are processed.
    /// </summary>
    public int MaxPendingReplyBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// How long one flush of replies may wait for a client that does not read (Postfix's smtpd_timeout: 300 s;
    /// RFC 5321 §4.5.3.2 gives the client the same patience). On expiry the connection is dropped and its slot freed.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether AUTH is offered and accepted on a connection without TLS (default false: credentials would cross
    /// the network in clear). The same rule as <c>EmailAI:Pop3:AllowInsecureAuth</c>.
    /// </summary>
    public bool AllowInsecureAuth { get; set; }

    /// <summary>
    /// Longest SASL response line a client may send during AUTH, in base64 octets without the CRLF (Postfix's
    /// smtpd_sasl_response_limit, 12288; RFC 4954 §4 has servers take AUTH lines of at least 12288 octets). The
    /// AUTH command line itself may be this much longer than <see cref="MaxCommandLineLength"/>, for its initial
    /// response. Longer: 500 5.5.6 and the exchange ends, so a client cannot make the server buffer without bound.
    /// </summary>
    public int MaxSaslResponseLength { get; set; } = 12288;

    /// <summary>Whether SMTPUTF8 (RFC 6531) is offered.</summary>
    public bool EnableSmtpUtf8 { get; set; } = true;
}
