namespace EmailAI.Protocols.Common;

/// <summary>
/// The connection limits of one listener family (SMTP on 25/587/465, POP3 on 110/995), read by the gateway's
/// connection limiter before a session starts. <see cref="Smtp.SmtpOptions"/> and <see cref="Pop3.Pop3Options"/>
/// carry them, each under its own configuration section, with the meaning and defaults documented there.
/// </summary>
public interface IConnectionLimitOptions
{
    /// <summary>Connections served at once by one gateway, from everyone; never waived.</summary>
    int MaxConnections { get; }

    /// <summary>Simultaneous connections from one client group; exempt clients are not held to it.</summary>
    int MaxConnectionsPerClient { get; }

    /// <summary>Connection attempts one client group may make per <see cref="ConnectionRateWindow"/>; 0 is no limit.</summary>
    int MaxConnectionRatePerClient { get; }

    /// <summary>The time unit of <see cref="MaxConnectionRatePerClient"/>.</summary>
    TimeSpan ConnectionRateWindow { get; }

    /// <summary>Bits of an IPv6 address that name one client for the per-client limits (IPv4: the whole address).</summary>
    int ClientIpv6PrefixLength { get; }

    /// <summary>Whether loopback clients are exempt from the per-client limits.</summary>
    bool ExemptLoopback { get; }
}
