namespace EmailAI.Tests.Fuzz;

/// <summary>A generated conversation: how the session is set up and what the client does, step by step.</summary>
public sealed record FuzzCase<TSetup>(TSetup Setup, IReadOnlyList<FuzzStep> Steps)
    where TSetup : notnull
{
    /// <summary>The case as C#, for the failure message and a regression test.</summary>
    public override string ToString() =>
        $"setup: {Setup}\nsteps:\n" + string.Join(",\n", Steps.Select(step => "    " + step));
}
