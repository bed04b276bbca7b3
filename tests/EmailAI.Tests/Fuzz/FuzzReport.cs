using System.Globalization;

namespace EmailAI.Tests.Fuzz;

/// <summary>What a fuzz run did: cases run (each twice: whole and split), time taken, reply codes seen, failures.</summary>
public sealed record FuzzReport(string Target, int Seed, int Cases, TimeSpan Elapsed, IReadOnlyCollection<string> Codes, IReadOnlyList<FuzzFailure> Failures)
{
    public double CasesPerSecond => Elapsed.TotalSeconds > 0 ? Cases / Elapsed.TotalSeconds : 0;

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Target}: seed={Seed} cases={Cases} elapsed={Elapsed.TotalSeconds:F1}s cases/s={CasesPerSecond:F0} distinct_replies={Codes.Count} failures={Failures.Count}");
}
