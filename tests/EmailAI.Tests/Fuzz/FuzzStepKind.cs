namespace EmailAI.Tests.Fuzz;

/// <summary>What one step of a fuzz case does to the session under test.</summary>
public enum FuzzStepKind
{
    /// <summary>The client sends bytes (one read in the whole run, random reads in the split run).</summary>
    Send,

    /// <summary>The TLS handshake after 220/+OK to STARTTLS/STLS completes; nothing happens when none was asked for.</summary>
    Handshake,

    /// <summary>The clock moves on; then the host checks the session's deadline, as it does when its wait times out.</summary>
    Advance,

    /// <summary>The next call of one fake collaborator fails (which one: <see cref="FuzzStep.Fault"/>).</summary>
    Fault,
}
