namespace EmailAI.Protocols.Auth;

/// <summary>How a client proved who it is; logged and counted per mechanism.</summary>
public enum LoginMechanism
{
    /// <summary>SASL PLAIN (RFC 4616), on SMTP AUTH or POP3 AUTH.</summary>
    Plain,

    /// <summary>SASL LOGIN (draft-murchison-sasl-login), SMTP AUTH only.</summary>
    Login,

    /// <summary>SASL SCRAM-SHA-256 (RFC 7677): the password never crosses the wire.</summary>
    ScramSha256,

    /// <summary>POP3 USER/PASS (RFC 1939 §7).</summary>
    UserPass,

    /// <summary>POP3 APOP (RFC 1939 §7).</summary>
    Apop,
}
