namespace EmailAI.Protocols.Auth;

/// <summary>
/// The server side of one SASL mechanism (RFC 4422) for one exchange, as a small state machine fed the
/// client's decoded responses. The protocol engine does the framing (base64 lines, <c>*</c> to cancel,
/// RFC 4954 §4's <c>=</c> for an empty initial response); the mechanism sees bytes only. Not thread-safe; one
/// instance per AUTH command. Never puts a password or proof into an exception or a <see cref="SaslStep"/>.
/// </summary>
public interface ISaslMechanism
{
    /// <summary>The mechanism's registered name (IANA SASL mechanisms), as advertised.</summary>
    string Name { get; }

    /// <summary>The first challenge when the client sent no initial response (RFC 4422 §3.3).</summary>
    SaslStep Start();

    /// <summary>
    /// Takes the client's next response. Calls the credential verifier when the exchange has what it needs;
    /// its exceptions propagate (the engine answers them as a temporary failure).
    /// </summary>
    ValueTask<SaslStep> RespondAsync(byte[] response, CancellationToken cancellationToken);
}
