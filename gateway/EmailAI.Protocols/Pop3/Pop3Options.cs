namespace EmailAI.Protocols.Pop3;

/// <summary>Limits and switches of one POP3 session; defaults follow RFC 1939, RFC 2449 and Dovecot.</summary>
public sealed class Pop3Options
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

    /// <summary>Simultaneous connections from one client IP (Dovecot's mail_max_userip_connections is 10 per user and IP).</summary>
    public int MaxConnectionsPerClient { get; set; } = 50;
}
