using EmailAI.Protocols.Common;

namespace EmailAI.Protocols.Pop3;

/// <summary>Limits and switches of one POP3 session; defaults follow RFC 1939, RFC 2449 and Dovecot.</summary>
public sealed class Pop3Options : IConnectionLimitOptions
{
    /// <summary>Domain in the greeting and in the APOP timestamp.</summary>
    public string ServerDomain { get; set; } = "localhost";

    /// <summary>
    /// Longest command line, CRLF included (RFC 2449 §4: 255 octets). Longer lines get -ERR and are
    /// discarded to their LF without being buffered.
    /// </summary>
    public int MaxCommandLineLength { get; set; } = 255;

    /// <summary>Longest SASL response line (RFC 5034 §4 lets them exceed 255 octets).</summary>
    public int MaxSaslLineLength { get; set; } = 4096;

    /// <summary>
    /// Inactivity before the session is ended without entering UPDATE, so no message is deleted
    /// (RFC 1939 §3: at least 10 minutes).
    /// </summary>
    public TimeSpan AutologoutTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Error responses tolerated before the session is closed (stops command fuzzing from holding a slot).</summary>
    public int MaxErrors { get; set; } = 20;

    /// <summary>
    /// Offer APOP (RFC 1939 §7). Off by default: it needs every account's secret kept in clear. When on,
    /// the greeting carries the timestamp and accounts set while it is on keep such a secret.
    /// </summary>
    public bool EnableApop { get; set; }

    /// <summary>
    /// Allow USER/PASS and AUTH PLAIN over a connection that is neither TLS nor loopback. Off by default:
    /// passwords never cross a network in clear unless an admin decides so.
    /// </summary>
    public bool AllowInsecureAuth { get; set; }

    /// <summary>
    /// Longest a write may wait for a client that does not read (its receive window and our send buffer are
    /// full), including in the middle of a large RETR; then the connection is cut off, its slot freed and its
    /// lock released without UPDATE. Postfix's smtpd_timeout (300 s) is the model: a client that reads at all
    /// keeps its session, one that stops reading cannot hold a slot or a maildrop for longer than this.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Response octets written before they are flushed: RETR and TOP data goes out in pieces of this size,
    /// so a large message is never copied whole into the send buffer, and pipelined commands (RFC 2449) are
    /// run only while their responses drain, so a burst of CAPA cannot pile up responses in memory.
    /// </summary>
    public int ResponseBufferSize { get; set; } = 64 * 1024;

    /// <summary>POP3 connections one gateway serves at once; one more gets -ERR [SYS/TEMP] and is closed.</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>
    /// Simultaneous connections from one client (an IPv4 address, or an IPv6 prefix of
    /// <see cref="ClientIpv6PrefixLength"/> bits); one more gets -ERR [SYS/TEMP] and is closed, so a few addresses
    /// cannot take every slot. 50 as for SMTP (Postfix's smtpd_client_connection_count_limit; Dovecot's
    /// mail_max_userip_connections is 10 per user and IP). Clients on the Authorised IP list, and loopback while
    /// <see cref="ExemptLoopback"/> is on, are not held to it.
    /// </summary>
    public int MaxConnectionsPerClient { get; set; } = 50;

    /// <summary>
    /// Connection attempts one client may make per <see cref="ConnectionRateWindow"/> (as Postfix's
    /// smtpd_client_connection_rate_limit; 0, its default, is no limit). Refused attempts count too. One more gets
    /// -ERR [SYS/TEMP] and is closed: stops a client that reconnects faster than any concurrency limit sees, such
    /// as a password guesser opening a connection per guess. Exemptions as for <see cref="MaxConnectionsPerClient"/>.
    /// </summary>
    public int MaxConnectionRatePerClient { get; set; }

    /// <summary>
    /// The time unit of <see cref="MaxConnectionRatePerClient"/> (Postfix's anvil_rate_time_unit, 60 s), starting at
    /// a client's first attempt.
    /// </summary>
    public TimeSpan ConnectionRateWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Leading bits of an IPv6 client address that name one client for the per-client limits (default 64, RFC 6177:
    /// one host commonly holds a whole /64). IPv4 is counted per address, IPv4-mapped IPv6 as IPv4. 0–128 (a value
    /// outside is taken as the nearest end).
    /// </summary>
    public int ClientIpv6PrefixLength { get; set; } = 64;

    /// <summary>
    /// Whether loopback clients are exempt from the per-client count and rate limits (default true, as Postfix's
    /// smtpd_client_event_limit_exceptions exempts $mynetworks). <see cref="MaxConnections"/> still applies.
    /// </summary>
    public bool ExemptLoopback { get; set; } = true;

    /// <summary>
    /// Commands in a row that make no progress before the session is closed without UPDATE (Postfix's
    /// smtpd_junk_command_limit, 100). CAPA, NOOP, STAT, LIST, UIDL, RSET, USER and the like count; a successful
    /// RETR, TOP or DELE starts the count again; error responses count toward <see cref="MaxErrors"/> instead.
    /// Past it: -ERR [SYS/TEMP] and close, the lock released and nothing deleted (RFC 1939 §6: only QUIT enters
    /// UPDATE). Stops a client that holds a slot and a maildrop lock for ever with a CAPA or NOOP every few seconds,
    /// which the autologout timer never sees.
    /// </summary>
    public int MaxJunkCommands { get; set; } = 100;

    /// <summary>
    /// Longest a session may last, however busy (default 1 hour; Postfix bounds a session only by its limits, this
    /// bounds the time a slot and a maildrop lock can be held). Past it, the next command, or the wait for one, ends
    /// the session with -ERR [SYS/TEMP] without UPDATE; QUIT alone is still carried out, so a client that finishes a
    /// long download commits its deletions.
    /// </summary>
    public TimeSpan MaxSessionDuration { get; set; } = TimeSpan.FromHours(1);
}
