using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EmailAI.Bench;

/// <summary>
/// The outcome of one measured POP3 run. <c>bytes</c> are the octets of the retrieved messages as sent on the wire
/// (between each RETR's status line and its "." line: CRLFs and stuffing dots included). Latencies are per retrieved
/// message, in milliseconds, from writing RETR to reading the terminating "." line; QUIT latencies (where the deletions
/// are committed) are per session that got a QUIT reply. MB is 10^6 bytes.
/// </summary>
internal sealed class Pop3Result(
    string label, int sessions, long listed, long retrieved, long deleted, long bytes, int errors, int quitOk,
    TimeSpan elapsed, double[] latenciesMs, double[] quitLatenciesMs)
{
    private readonly double[] _sortedMs = [.. latenciesMs.Order()];
    private readonly double[] _sortedQuitMs = [.. quitLatenciesMs.Order()];

    public long Listed => listed;
    public long Retrieved => retrieved;
    public long Deleted => deleted;
    public int Errors => errors;
    public int QuitOk => quitOk;

    /// <summary>Retrieved messages per second of wall-clock time (connect, login and QUIT included).</summary>
    public double Rate => elapsed.TotalSeconds > 0 ? retrieved / elapsed.TotalSeconds : 0;

    /// <summary>Retrieved megabytes (10^6 bytes) per second of wall-clock time.</summary>
    public double MegabytesPerSecond => elapsed.TotalSeconds > 0 ? bytes / 1e6 / elapsed.TotalSeconds : 0;

    /// <summary>Nearest-rank percentile (0 &lt; p ≤ 1) of the RETR latencies; NaN when nothing was retrieved.</summary>
    public double PercentileMs(double p) => Percentile(_sortedMs, p);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>The one-line summary that scripts grep for (format is a contract: key=value, space separated).</summary>
    public string SummaryLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"label={label} C={sessions} messages={retrieved} bytes={bytes} err={errors} elapsed={elapsed.TotalSeconds:0.00}s " +
        $"rate={Rate:0.0} msg/s throughput={MegabytesPerSecond:0.00} MB/s " +
        $"p50={FormatMs(PercentileMs(0.50))} p99={FormatMs(PercentileMs(0.99))}");

    private static string FormatMs(double ms) =>
        double.IsNaN(ms) ? "-" : string.Create(CultureInfo.InvariantCulture, $"{ms:0.00}ms");

    /// <summary>The same figures plus STAT/DELE/QUIT counts, p90/p999/max and QUIT p50/max as a single JSON object line.</summary>
    public string JsonLine()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("label", label);
            json.WriteNumber("sessions", sessions);
            json.WriteNumber("listed", listed);
            json.WriteNumber("messages", retrieved);
            json.WriteNumber("deleted", deleted);
            json.WriteNumber("bytes", bytes);
            json.WriteNumber("errors", errors);
            json.WriteNumber("quitOk", quitOk);
            json.WriteNumber("elapsedSeconds", Math.Round(elapsed.TotalSeconds, 3));
            json.WriteNumber("rate", Math.Round(Rate, 1));
            json.WriteNumber("megabytesPerSecond", Math.Round(MegabytesPerSecond, 2));
            foreach (var (name, sorted, p) in new[]
            {
                ("p50Ms", _sortedMs, 0.50), ("p90Ms", _sortedMs, 0.90), ("p99Ms", _sortedMs, 0.99), ("p999Ms", _sortedMs, 0.999),
                ("maxMs", _sortedMs, 1.0), ("quitP50Ms", _sortedQuitMs, 0.50), ("quitMaxMs", _sortedQuitMs, 1.0),
            })
            {
                var value = Percentile(sorted, p);
                if (double.IsNaN(value))
                {
                    json.WriteNull(name);
                }
                else
                {
                    json.WriteNumber(name, Math.Round(value, 3));
                }
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
