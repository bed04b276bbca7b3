namespace EmailAI.Protocols.Auth;

/// <summary>
/// Checks login credentials for the protocol engines (SMTP AUTH; POP3 goes through its backend, which uses the
/// same service in the gateway). Implementations count failures (per account and client address, and per client
/// address), throttle, log and meter every attempt. Safe to call concurrently; they do not throw for an ordinary
/// "no" (an exception is a temporary failure).
/// </summary>
public interface ICredentialVerifier
{
    /// <summary>A password in clear (SASL PLAIN and LOGIN, POP3 USER/PASS).</summary>
    ValueTask<LoginResult> VerifyPasswordAsync(LoginRequest request, string password, CancellationToken cancellationToken);

    /// <summary>SCRAM's first step: the salt and iteration count of the user's keys (see <see cref="ScramParameters"/>).</summary>
    ValueTask<ScramParameters> GetScramParametersAsync(LoginRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// SCRAM's second step: checks <paramref name="clientProof"/> over <paramref name="authMessage"/> (RFC 5802 §3:
    /// client-first-message-bare "," server-first-message "," client-final-message-without-proof).
    /// </summary>
    ValueTask<ScramResult> VerifyScramAsync(LoginRequest request, string authMessage, byte[] clientProof, CancellationToken cancellationToken);
}
