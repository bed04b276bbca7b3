namespace EmailAI.Gateway.Smtp;

/// <summary>Which connection limit refused a connection (the <c>reason</c> tag of the refusal metric).</summary>
public enum ConnectionRefusal
{
    /// <summary>Admitted.</summary>
    None,

    /// <summary>The listener family's <c>MaxConnections</c>: the gateway is full, for everyone.</summary>
    Total,

    /// <summary><c>MaxConnectionsPerClient</c>: this client holds as many connections as it may.</summary>
    PerClient,

    /// <summary><c>MaxConnectionRatePerClient</c>: this client connected too often within the window.</summary>
    Rate,
}
