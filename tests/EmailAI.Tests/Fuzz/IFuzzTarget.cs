namespace EmailAI.Tests.Fuzz;

/// <summary>A protocol engine under fuzz: generates cases and runs one, whole or split into random reads.</summary>
public interface IFuzzTarget<TSetup>
    where TSetup : notnull
{
    string Name { get; }

    FuzzCase<TSetup> Generate(Random random);

    /// <summary>
    /// Runs the case on a fresh session. <paramref name="splitter"/> null: every Send step is one read; otherwise
    /// each is cut at random boundaries into reads and buffer segments. Must not throw: an exception escaping the
    /// engine is reported as a violation.
    /// </summary>
    Task<FuzzOutcome> RunAsync(FuzzCase<TSetup> fuzzCase, Random? splitter);
}
