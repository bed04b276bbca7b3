using System.Diagnostics;
using EmailAI.Storage;
using EmailAI.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmailAI.Bench;

/// <summary>
/// <c>store-scaling</c>: shows that a delivery's cost does not depend on the mailbox's size. Delivers
/// N messages into an empty mailbox, fills another mailbox with 50,000 messages, then delivers N into
/// the full one and N into a new empty one in the now larger database. The embedded store is used
/// directly, without SMTP, so only storage is measured.
/// </summary>
internal static class StoreScalingBenchmark
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var messages = Option(args, "--messages", 2000);
        var prefill = Option(args, "--prefill", 50_000);
        var concurrency = Option(args, "--concurrency", 16);
        var size = Option(args, "--size", 10240);

        var directory = Path.Combine(Path.GetTempPath(), "emailai-store-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var database = new SqliteDatabase(Path.Combine(directory, "bench.db"), NullLogger<SqliteDatabase>.Instance);
            var store = new SqliteMessageStore(database);
            var content = new byte[size];
            Array.Fill(content, (byte)'x');

            Console.WriteLine(await MeasureAsync(store, "empty mailbox", "empty@bench.test", messages, concurrency, content));
            var filled = Stopwatch.StartNew();
            await DeliverAsync(store, "full@bench.test", prefill, 64, content, null);
            Console.WriteLine($"prefill: {prefill} messages into full@bench.test in {filled.Elapsed.TotalSeconds:F1}s");
            Console.WriteLine(await MeasureAsync(store, $"mailbox holding {prefill}", "full@bench.test", messages, concurrency, content));
            Console.WriteLine(await MeasureAsync(store, "new empty mailbox, large db", "fresh@bench.test", messages, concurrency, content));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> MeasureAsync(IMessageStore store, string label, string mailbox, int count, int concurrency, byte[] content)
    {
        var latencies = new List<double>(count);
        var watch = Stopwatch.StartNew();
        await DeliverAsync(store, mailbox, count, concurrency, content, latencies);
        var elapsed = watch.Elapsed.TotalSeconds;
        latencies.Sort();
        return $"store: {label,-32} C={concurrency} N={count} rate={count / elapsed:F0} deliveries/s p50={Percentile(latencies, 0.50):F2}ms p99={Percentile(latencies, 0.99):F2}ms";
    }

    private static async Task DeliverAsync(IMessageStore store, string mailbox, int count, int concurrency, byte[] content, List<double>? latencies)
    {
        var next = 0;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                var started = Stopwatch.GetTimestamp();
                await store.DeliverAsync(new StoredMessage("BENCH", "bench@load.test", DateTimeOffset.UtcNow, content), [mailbox]);
                if (latencies is not null)
                {
                    lock (latencies)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
            }
        });
        await Task.WhenAll(workers);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static int Option(IReadOnlyList<string> args, string name, int fallback)
    {
        for (var i = 1; i + 1 < args.Count; i++)
        {
            if (args[i] == name)
            {
                return int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return fallback;
    }
}
