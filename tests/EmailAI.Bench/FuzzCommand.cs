using System.Globalization;
using EmailAI.Tests.Fuzz;

namespace EmailAI.Bench;

/// <summary>
/// <c>fuzz [--minutes N] [--seed S] [--target smtp|pop3|both]</c>: the test suite's engine fuzz (the same generators,
/// drivers and invariants, compiled from tests/EmailAI.Tests/Fuzz) for N minutes (default 5, shared by the targets),
/// then per target: cases run, cases per second, distinct replies seen, and each failure with its seed and shrunk
/// reproduction. Exit code 0 without failures, 1 with, 2 for usage.
/// </summary>
public static class FuzzCommand
{
    private const string Usage = "usage: fuzz [--minutes N] [--seed S] [--target smtp|pop3|both]";

    public static async Task<int> RunAsync(string[] args)
    {
        var minutes = 5.0;
        var seed = FuzzSettings.FromEnvironment(0).Seed;
        var target = "both";
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            var ok = args[i] switch
            {
                "--minutes" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out minutes) && minutes > 0,
                "--seed" => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out seed),
                "--target" => value is "smtp" or "pop3" or "both" && (target = value) is not null,
                _ => false,
            };
            if (!ok)
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            i++;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        var share = TimeSpan.FromMinutes(target == "both" ? minutes / 2 : minutes);
        var reports = new List<FuzzReport>();
        if (target is "smtp" or "both")
        {
            reports.Add(await FuzzRunner.RunAsync(new SmtpFuzzTarget(), seed, int.MaxValue, share, cancellation.Token));
        }

        if (target is "pop3" or "both")
        {
            reports.Add(await FuzzRunner.RunAsync(new Pop3FuzzTarget(), seed, int.MaxValue, share, cancellation.Token));
        }

        foreach (var report in reports)
        {
            Console.WriteLine(report.Summary());
            Console.WriteLine("  replies seen: " + string.Join(" | ", report.Codes.Order(StringComparer.Ordinal)));
            foreach (var failure in report.Failures)
            {
                Console.WriteLine(failure);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"total: cases={reports.Sum(r => r.Cases)} failures={reports.Sum(r => r.Failures.Count)} (replay: --seed {seed})"));
        return reports.Any(r => r.Failures.Count > 0) ? 1 : 0;
    }
}
