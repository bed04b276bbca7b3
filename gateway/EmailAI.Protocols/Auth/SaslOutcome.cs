namespace EmailAI.Protocols.Auth;

/// <summary>Where one step of a SASL exchange (RFC 4422 §3) left it.</summary>
public enum SaslOutcome
{
    /// <summary>The server sends <see cref="SaslStep.Challenge"/> and waits for the client's next response.</summary>
    Continue,

    /// <summary>The client proved it holds the account's credentials; <see cref="SaslStep.Account"/> names it.</summary>
    Succeeded,

    /// <summary>Unknown user, wrong password or proof, or a refused authorisation identity.</summary>
    Failed,

    /// <summary>The verifier did not check the credentials because of recent failures (a client error).</summary>
    Throttled,

    /// <summary>The verifier could not decide now (our trouble, not the client's).</summary>
    TemporaryFailure,

    /// <summary>The client's response does not follow the mechanism's syntax (a protocol error, not a wrong password).</summary>
    Malformed,
}
