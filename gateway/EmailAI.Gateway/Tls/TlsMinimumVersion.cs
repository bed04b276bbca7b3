namespace EmailAI.Gateway.Tls;

/// <summary>
/// The oldest TLS version a listener accepts (<c>EmailAI:Tls:MinimumVersion</c>). Nothing older than 1.2 is
/// offered at all: RFC 8996 deprecates TLS 1.0 and 1.1.
/// </summary>
public enum TlsMinimumVersion
{
    /// <summary>TLS 1.2 and 1.3 (the default: what RFC 8314 §4.1 and current MTAs accept).</summary>
    Tls12,

    /// <summary>TLS 1.3 only: for networks where every client is known to be recent.</summary>
    Tls13,
}
