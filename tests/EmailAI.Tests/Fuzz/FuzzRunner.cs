using System.Diagnostics;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// Runs a target's cases from one seed: each case whole and split into random reads (the transcripts must be equal),
/// its invariants checked on both runs. A failing case is shrunk (steps dropped, then lines and octets of the rest)
/// while it still fails the same way, so the report shows a short reproduction. Used by the test suite and by the
/// bench's <c>fuzz</c> command alike.
/// </summary>
public static class FuzzRunner
{
    /// <summary>Failures after which a run stops looking: each is shrunk, which costs many runs.</summary>
    public const int MaxFailures = 3;

    private const int MaxShrinkRuns = 3000;

    /// <summary>Runs <paramref name="iterations"/> cases, or fewer if <paramref name="budget"/> runs out first.</summary>
    public static async Task<FuzzReport> RunAsync<TSetup>(IFuzzTarget<TSetup> target, int seed, int iterations, TimeSpan budget, CancellationToken cancellationToken = default)
        where TSetup : notnull
    {
        var master = new Random(seed);
        var codes = new HashSet<string>();
        var failures = new List<FuzzFailure>();
        var watch = Stopwatch.StartNew();
        var cases = 0;
        for (; cases < iterations && watch.Elapsed < budget && failures.Count < MaxFailures && !cancellationToken.IsCancellationRequested; cases++)
        {
            var caseSeed = master.Next();
            var fuzzCase = target.Generate(new Random(caseSeed));
            var problem = await CheckAsync(target, fuzzCase, caseSeed, codes);
            if (problem is not null)
            {
                var shrunk = await ShrinkAsync(target, fuzzCase, caseSeed, problem);
                failures.Add(new FuzzFailure(target.Name, seed, cases, caseSeed, problem, shrunk.ToString()));
            }
        }

        return new FuzzReport(target.Name, seed, cases, watch.Elapsed, codes, failures);
    }

    /// <summary>The first problem of a case (a broken invariant, or the split run differing), or null.</summary>
    public static async Task<string?> CheckAsync<TSetup>(IFuzzTarget<TSetup> target, FuzzCase<TSetup> fuzzCase, int splitSeed, ISet<string>? codes = null)
        where TSetup : notnull
    {
        var whole = await target.RunAsync(fuzzCase, null);
        codes?.UnionWith(whole.Codes);
        if (whole.Violations.Count > 0)
        {
            return whole.Violations[0];
        }

        var split = await target.RunAsync(fuzzCase, new Random(splitSeed));
        if (split.Violations.Count > 0)
        {
            return "(split run) " + split.Violations[0];
        }

        return whole.Transcript == split.Transcript ? null : FuzzText.FirstDifference(whole.Transcript, split.Transcript);
    }

    /// <summary>Greedy shrinking: keeps any smaller case that still fails with a problem of the same kind.</summary>
    private static async Task<FuzzCase<TSetup>> ShrinkAsync<TSetup>(IFuzzTarget<TSetup> target, FuzzCase<TSetup> failing, int splitSeed, string problem)
        where TSetup : notnull
    {
        var kind = Kind(problem);
        var runs = 0;
        async Task<bool> StillFailsAsync(FuzzCase<TSetup> candidate)
        {
            runs++;
            return await CheckAsync(target, candidate, splitSeed) is { } again && Kind(again) == kind;
        }

        var steps = failing.Steps.ToList();
        var progress = true;
        while (progress && runs < MaxShrinkRuns)
        {
            progress = false;
            for (var i = steps.Count - 1; i >= 0 && runs < MaxShrinkRuns; i--)
            {
                var candidate = steps.Where((_, at) => at != i).ToList();
                if (await StillFailsAsync(failing with { Steps = candidate }))
                {
                    steps = candidate;
                    progress = true;
                }
            }

            for (var i = 0; i < steps.Count && runs < MaxShrinkRuns; i++)
            {
                if (steps[i].Kind != FuzzStepKind.Send)
                {
                    continue;
                }

                // Each smaller version that still fails is kept and shrunk further, until none does.
                var shrunk = true;
                while (shrunk && runs < MaxShrinkRuns)
                {
                    shrunk = false;
                    foreach (var smaller in Smaller(steps[i].Bytes))
                    {
                        var candidate = steps.ToList();
                        candidate[i] = steps[i] with { Bytes = smaller };
                        if (runs < MaxShrinkRuns && await StillFailsAsync(failing with { Steps = candidate }))
                        {
                            steps = candidate;
                            progress = shrunk = true;
                            break;
                        }
                    }
                }
            }
        }

        return failing with { Steps = steps };
    }

    /// <summary>Smaller versions of a step's bytes: without one of its lines, then its first or second half.</summary>
    private static IEnumerable<byte[]> Smaller(byte[] bytes)
    {
        var ends = new List<int>();
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n')
            {
                ends.Add(i + 1);
            }
        }

        if (ends.Count == 0 || ends[^1] != bytes.Length)
        {
            ends.Add(bytes.Length);
        }

        for (var line = ends.Count - 1; line >= 0 && ends.Count > 1; line--)
        {
            var start = line == 0 ? 0 : ends[line - 1];
            yield return [.. bytes.AsSpan(0, start), .. bytes.AsSpan(ends[line])];
        }

        if (bytes.Length > 1)
        {
            yield return bytes[..(bytes.Length / 2)];
            yield return bytes[(bytes.Length / 2)..];
        }
    }

    /// <summary>
    /// A problem's kind: its words up to the first colon or quote, without those holding a digit (counts, offsets and
    /// queue ids change as a case shrinks).
    /// </summary>
    private static string Kind(string problem)
    {
        var end = problem.IndexOfAny([':', '\'', '"']);
        var head = end < 0 ? problem : problem[..end];
        return string.Join(' ', head.Split(' ').Where(word => !word.Any(char.IsAsciiDigit)));
    }
}
