namespace EmailAI.Protocols.Auth;

/// <summary>Outcome of a login attempt.</summary>
public enum LoginStatus
{
    Succeeded,

    /// <summary>Unknown user or wrong password: the same answer, after the same cost, for both.</summary>
    Failed,

    /// <summary>Too many recent failures for this account from this client, or from this client: not checked now.</summary>
    Throttled,

    /// <summary>Could not be decided now (no verification slot free soon, storage or cluster trouble).</summary>
    TemporaryFailure,
}
