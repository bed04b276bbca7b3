using System.Globalization;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// The seed and size of a fuzz run: fixed by default, so the suite is deterministic; <c>EMAILAI_FUZZ_SEED</c> and
/// <c>EMAILAI_FUZZ_ITERATIONS</c> override them (to replay a failure, or to run longer).
/// </summary>
public sealed record FuzzSettings(int Seed, int Iterations)
{
    public const int DefaultSeed = 20261202;
    public const string SeedVariable = "EMAILAI_FUZZ_SEED";
    public const string IterationsVariable = "EMAILAI_FUZZ_ITERATIONS";

    public static FuzzSettings FromEnvironment(int defaultIterations) => new(
        Read(SeedVariable) ?? DefaultSeed,
        Read(IterationsVariable) ?? defaultIterations);

    private static int? Read(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
