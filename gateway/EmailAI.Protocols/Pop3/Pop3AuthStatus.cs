namespace EmailAI.Protocols.Pop3;

/// <summary>Outcome of a login attempt.</summary>
public enum Pop3AuthStatus
{
    Succeeded,

    /// <summary>Unknown user or wrong password; the same answer for both.</summary>
    Failed,

    /// <summary>Too many recent failures for this account or client; refused without checking.</summary>
    Throttled,

    /// <summary>Could not be decided now (storage or cluster trouble).</summary>
    TemporaryFailure,
}
