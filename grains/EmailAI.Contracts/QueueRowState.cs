namespace EmailAI.Contracts;

/// <summary>
/// The state of an outbound queue row, as the admin API and <c>emailai queue</c> show it and filter by it
/// (<c>?state=queued|deferred|sending|held</c>). Held wins over the rest: a row held while it is being sent is held.
/// </summary>
[GenerateSerializer]
public enum QueueRowState
{
    /// <summary>Not attempted yet.</summary>
    Queued = 0,

    /// <summary>At least one attempt failed; waiting for the next.</summary>
    Deferred = 1,

    /// <summary>A delivery holds a live claim on it: it is being sent now.</summary>
    Sending = 2,

    /// <summary>Held by an admin: never attempted until released (Postfix's <c>postsuper -h</c>).</summary>
    Held = 3,
}
