using Xunit.Abstractions;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// The bounded, seeded fuzz run of the sans-I/O engines (SMTP and POP3) in the suite: a fixed seed by default
/// (<c>EMAILAI_FUZZ_SEED</c> and <c>EMAILAI_FUZZ_ITERATIONS</c> override it), each case run whole and split into
/// random reads, every invariant of <see cref="SmtpFuzzTarget"/> and <see cref="Pop3FuzzTarget"/> checked. A failure
/// prints the seed and a shrunk reproduction to turn into a regression test. The longer run is the bench's
/// <c>fuzz</c> command.
/// </summary>
public sealed class EngineFuzzTests(ITestOutputHelper output)
{
    // Sized for ~10 s each on two busy cores beside the other tests (SMTP ~200 cases/s, POP3 ~160; each case runs
    // twice). The budget is a safety net, not the bound: on a slower machine it makes the run shorter, never different
    // (same cases, same order).
    private const int SmtpIterations = 2000;
    private const int Pop3Iterations = 1500;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(15);

    [Fact]
    public Task SmtpSession_SeededFuzz_HoldsEveryInvariant() => RunAsync(new SmtpFuzzTarget(), SmtpIterations);

    [Fact]
    public Task Pop3Session_SeededFuzz_HoldsEveryInvariant() => RunAsync(new Pop3FuzzTarget(), Pop3Iterations);

    private async Task RunAsync<TSetup>(IFuzzTarget<TSetup> target, int iterations)
        where TSetup : notnull
    {
        var settings = FuzzSettings.FromEnvironment(iterations);
        var report = await FuzzRunner.RunAsync(target, settings.Seed, settings.Iterations, Budget);
        Report(report);
        Assert.True(report.Failures.Count == 0, string.Join("\n\n", report.Failures));
        Assert.True(report.Cases >= Math.Min(settings.Iterations, 200), $"only {report.Cases} cases ran in {Budget}");
    }

    private void Report(FuzzReport report)
    {
        output.WriteLine(report.Summary() + $" (replay: {FuzzSettings.SeedVariable}={report.Seed})");
        output.WriteLine("replies seen: " + string.Join(" | ", report.Codes.Order(StringComparer.Ordinal)));
    }
}
