namespace EmailAI.Protocols.Auth;

/// <summary>
/// What a SASL mechanism answers to one client response. <see cref="SaslOutcome.Continue"/> always carries a
/// <see cref="Challenge"/> (possibly empty). A final outcome may carry one too: SCRAM's server-final-message
/// (RFC 5802 §3: <c>v=</c> on success, <c>e=</c> on failure), which SMTP can only send as a 334 challenge
/// (RFC 4954 §4 has no "success with additional data"); the outcome then takes effect after the client's next
/// line. <see cref="User"/> is the name the client gave (never a secret, for the log), <see cref="Account"/>
/// the verifier's account on success and <see cref="Reason"/> why a step failed, for the log only (never a secret).
/// </summary>
public sealed record SaslStep(SaslOutcome Outcome, byte[]? Challenge = null, string? User = null, string? Account = null, string? Reason = null)
{
    /// <summary>A challenge that waits for the client's next response.</summary>
    public static SaslStep Next(byte[] challenge, string? user = null) => new(SaslOutcome.Continue, challenge, user);

    /// <summary>A syntax error in the client's response; <paramref name="reason"/> says which, for the log.</summary>
    public static SaslStep Malformed(string reason, string? user = null, byte[]? finalChallenge = null) =>
        new(SaslOutcome.Malformed, finalChallenge, user, Reason: reason);

    /// <summary>True when the exchange is over once this step's reply (and any final challenge) is sent.</summary>
    public bool IsFinal => Outcome != SaslOutcome.Continue;

    /// <summary>Maps a verifier's verdict to the outcome of the exchange.</summary>
    public static SaslStep FromLogin(LoginStatus status, string user, string? account, byte[]? finalChallenge = null) => status switch
    {
        LoginStatus.Succeeded when account is not null => new(SaslOutcome.Succeeded, finalChallenge, user, account),
        LoginStatus.Throttled => new(SaslOutcome.Throttled, null, user, Reason: "throttled by the credential verifier"),
        LoginStatus.TemporaryFailure => new(SaslOutcome.TemporaryFailure, null, user, Reason: "credential verifier temporarily unavailable"),
        // A "success" without an account is no success: never authenticate as nobody.
        LoginStatus.Succeeded => new(SaslOutcome.TemporaryFailure, null, user, Reason: "credential verifier named no account"),
        _ => new(SaslOutcome.Failed, finalChallenge, user, Reason: "invalid credentials"),
    };
}
