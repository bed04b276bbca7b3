namespace EmailAI.Gateway.Smtp;

/// <summary>
/// How long this process's grain calls may take before Orleans gives up on them: the response timeout of the host's
/// messaging options, read by the host that provides the grain factory (the embedded server's silo, a gateway node's
/// cluster client). An ingest
/// call that outlives it is answered 451, so the ingest grain is told to commit only before
/// <see cref="CommitWithin"/> has passed: a 451 then always means "not stored".
/// </summary>
public sealed record IngestCallBudget(TimeSpan ResponseTimeout)
{
    /// <summary>
    /// What the commit deadline keeps back from the response timeout: the reply's way back to the gateway, and
    /// clock skew between the gateway and the silo, which compares the deadline with its own clock.
    /// </summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(3);

    /// <summary>From the call's start, the time by which the ingest grain must have begun its commit.</summary>
    public TimeSpan CommitWithin => ResponseTimeout > Margin * 2 ? ResponseTimeout - Margin : ResponseTimeout / 2;
}
