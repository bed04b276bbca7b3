using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EmailAI.Gateway;

/// <summary>The gateway's OpenTelemetry instruments (meter and activity source "EmailAI.Gateway").</summary>
public static class GatewayTelemetry
{
    public const string Name = "EmailAI.Gateway";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> SmtpConnections =
        Meter.CreateCounter<long>("emailai.smtp.connections", "{connection}", "SMTP connections accepted");

    public static readonly Counter<long> ConnectionsRefused =
        Meter.CreateCounter<long>("emailai.connections_refused", "{connection}", "Connections refused by the connection limits, by protocol and reason (total, per_client, rate)");

    /// <summary>Connections over a per-client limit admitted because the client is exempt, by protocol and reason (loopback, authorised_ip).</summary>
    public static readonly Counter<long> ConnectionsExempted =
        Meter.CreateCounter<long>("emailai.connections_exempted", "{connection}", "Connections over a per-client limit admitted as exempt, by protocol and reason");

    /// <summary>POP3 sessions the server ended for holding a slot without progress, by reason (junk_commands, session_duration).</summary>
    public static readonly Counter<long> Pop3SessionsCut =
        Meter.CreateCounter<long>("emailai.pop3.sessions_cut", "{session}", "POP3 sessions ended by MaxJunkCommands or MaxSessionDuration, by reason");

    public static readonly Counter<long> RecipientsRejected =
        Meter.CreateCounter<long>("emailai.smtp.recipients_rejected", "{recipient}", "RCPTs refused, by reply code");

    /// <summary>
    /// Sessions refused by IP location blocking, once each (at the first RCPT), by <c>country</c> (the ISO code,
    /// <c>unknown</c> when the database has none for the address, <c>none</c> on a node without a database) and
    /// <c>rule</c> (blockedRanges, blockUnknown, blockedCountries, allowedCountries).
    /// </summary>
    public static readonly Counter<long> LocationBlocked =
        Meter.CreateCounter<long>("emailai.smtp.location_blocked", "{session}", "SMTP sessions refused by IP location blocking, by country and rule");

    public static readonly UpDownCounter<long> SmtpActiveSessions =
        Meter.CreateUpDownCounter<long>("emailai.smtp.active_sessions", "{session}", "SMTP sessions open now");

    /// <summary>
    /// SMTP sessions a limit ended, by <c>limit</c>: the SmtpOptions property (CommandTimeout, DataIdleTimeout,
    /// MinDataRate, MaxDataDuration, MaxSessionDuration, MaxJunkCommands, MaxErrors).
    /// </summary>
    public static readonly Counter<long> SmtpSessionsLimited =
        Meter.CreateCounter<long>("emailai.smtp.sessions_limited", "{session}", "SMTP sessions ended by a limit, by limit");

    public static readonly Counter<long> SmtpTarpitDelays =
        Meter.CreateCounter<long>("emailai.smtp.tarpit_delays", "{reply}", "SMTP error replies delayed by the error tarpit (past SoftErrorLimit)");

    public static readonly Counter<double> SmtpTarpitSeconds =
        Meter.CreateCounter<double>("emailai.smtp.tarpit_delay", "s", "Time SMTP error replies were held back by the error tarpit");

    public static readonly Counter<long> SmtpStressedSessions =
        Meter.CreateCounter<long>("emailai.smtp.stressed_sessions", "{session}", "SMTP sessions begun under stress mode (StressThreshold reached), with the stress limits");

    /// <summary>1 while new SMTP sessions get the stress limits (SmtpOptions.StressThreshold reached), else 0.</summary>
    public static readonly ObservableGauge<int> SmtpStressMode =
        Meter.CreateObservableGauge("emailai.smtp.stress", () => StressSource?.Invoke() == true ? 1 : 0, "{mode}", "1 while SMTP stress mode is on");

    /// <summary>Set by the host to its <see cref="Smtp.SmtpStress"/>, for the gauge.</summary>
    internal static Func<bool>? StressSource { get; set; }

    public static readonly Counter<long> MessagesAccepted =
        Meter.CreateCounter<long>("emailai.smtp.messages_accepted", "{message}", "Messages answered 250 after a durable commit, by direction: relay (at least one recipient relayed onwards) or inbound");

    public static readonly Counter<long> MessagesFailed =
        Meter.CreateCounter<long>("emailai.smtp.messages_failed", "{message}", "Messages answered 451 because the commit failed");

    public static readonly Counter<long> BytesAccepted =
        Meter.CreateCounter<long>("emailai.smtp.bytes_accepted", "By", "Octets of accepted messages");

    public static readonly Counter<long> Replies =
        Meter.CreateCounter<long>("emailai.smtp.replies", "{reply}", "SMTP replies sent, by reply code");

    public static readonly Counter<long> Pop3Connections =
        Meter.CreateCounter<long>("emailai.pop3.connections", "{connection}", "POP3 connections accepted");

    public static readonly Counter<long> Pop3Logins =
        Meter.CreateCounter<long>("emailai.pop3.logins", "{login}", "POP3 login attempts, by result");

    public static readonly Counter<long> Pop3Retrievals =
        Meter.CreateCounter<long>("emailai.pop3.retrievals", "{message}", "Messages sent to POP3 clients, by command (retr, top)");

    public static readonly Counter<long> Pop3RetrievedBytes =
        Meter.CreateCounter<long>("emailai.pop3.retrieved_bytes", "By", "Octets of message content sent to POP3 clients (RETR and TOP)");

    public static readonly Counter<long> Rejections =
        Meter.CreateCounter<long>("emailai.smtp.rejections", "{reply}", "SMTP refusals (4xx and 5xx), by reason: unknown_user, relay_denied, location_blocked, dmarc, size, line_or_syntax, rate_or_error_limit, tls_or_auth_required, auth_failed, sender_refused, temporary, other");

    public static readonly Counter<long> Pop3Deleted =
        Meter.CreateCounter<long>("emailai.pop3.messages_deleted", "{message}", "Messages removed at POP3 QUIT");

    public static readonly Counter<long> TlsHandshakes =
        Meter.CreateCounter<long>("emailai.tls.handshakes", "{handshake}", "TLS handshakes, by protocol (smtp, pop3), TLS version and result (ok, failed, timeout)");

    public static readonly Counter<long> StartTlsSessions =
        Meter.CreateCounter<long>("emailai.tls.upgraded_sessions", "{session}", "Sessions that switched to TLS with STARTTLS (SMTP) or STLS (POP3), by protocol");

    public static readonly ObservableGauge<int> GeoRanges =
        Meter.CreateObservableGauge("emailai.geo.ranges", () => Geo.CountryLocator.RangesInForce, "{range}", "Ranges held by the IP-to-country database in force (0: country blocking is off)");

    public static readonly UpDownCounter<long> StorageLow =
        Meter.CreateUpDownCounter<long>("emailai.storage.low", "{state}", "1 while the data directory's free space is under EmailAI:Storage:MinimumFreeBytes (MAIL answered 452 4.3.1, /readyz 503)");

    public static readonly Histogram<double> CommitDuration =
        Meter.CreateHistogram<double>("emailai.smtp.commit.duration", "ms", "End of DATA to durable commit");
}
