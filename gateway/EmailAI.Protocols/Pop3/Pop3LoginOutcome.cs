namespace EmailAI.Protocols.Pop3;

/// <summary>How a login attempt ended, as an admin needs to know it (the client is told less: RFC 2449 §8 codes only).</summary>
public enum Pop3LoginOutcome
{
    /// <summary>The credentials verified and the maildrop is locked: the session is in TRANSACTION.</summary>
    LoggedIn,

    /// <summary>Unknown user, wrong password or digest, or a SASL authorization identity that is not the user's own.</summary>
    WrongCredentials,

    /// <summary>The credentials verified, but another session holds the maildrop lock (RFC 2449 [IN-USE]).</summary>
    InUse,

    /// <summary>USER/PASS or AUTH PLAIN on a connection that is neither TLS nor loopback, with AllowInsecureAuth off.</summary>
    PlaintextNotAllowed,

    /// <summary>Too many recent failures for this account or client address; the password was not checked.</summary>
    Throttled,

    /// <summary>Storage or cluster trouble: could not be decided now.</summary>
    TemporaryFailure,
}
