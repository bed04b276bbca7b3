namespace EmailAI.Contracts;

/// <summary>The three answers a policy decision can give (maddy's model: accept, try later, no).</summary>
public enum PolicyOutcome
{
    Accept,

    /// <summary>4xx: nothing is wrong with the request; the client retries later.</summary>
    TemporaryFailure,

    /// <summary>5xx: the request is refused for good.</summary>
    Reject,
}
