using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EmailAI.Bench;

/// <summary>The outcome of one measured run. Latencies are per accepted message, in milliseconds, from writing the
/// end-of-data terminator to reading its 2xx reply.</summary>
internal sealed class LoadResult(
    string label, int connections, int messages, int size, int ok, int errors, TimeSpan elapsed, double[] latenciesMs)
{
    private readonly double[] _sortedMs = [.. latenciesMs.Order()];

    public int Ok => ok;
    public int Errors => errors;

    /// <summary>Accepted messages per second of wall-clock time (connection setup included).</summary>
    public double Rate => elapsed.TotalSeconds > 0 ? ok / elapsed.TotalSeconds : 0;

    /// <summary>RCPT commands in each message; above 1 the summary also gives recipients per second.</summary>
    public int RecipientsPerMessage { get; init; } = 1;

    /// <summary>Nearest-rank percentile (0 &lt; p ≤ 1) of the accepted messages' latencies; NaN when none was accepted.</summary>
    public double PercentileMs(double p) =>
        _sortedMs.Length == 0 ? double.NaN : _sortedMs[Math.Clamp((int)Math.Ceiling(p * _sortedMs.Length) - 1, 0, _sortedMs.Length - 1)];

    /// <summary>The one-line summary that scripts grep for (format is a contract: key=value, space separated).</summary>
    public string SummaryLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"label={label} C={connections} N={messages} size={size} ok={ok} err={errors} elapsed={elapsed.TotalSeconds:0.00}s " +
        $"rate={Rate:0.0} msg/s p50={FormatMs(PercentileMs(0.50))} p99={FormatMs(PercentileMs(0.99))}{RecipientFigures()}");

    private string RecipientFigures() =>
        RecipientsPerMessage > 1
            ? string.Create(CultureInfo.InvariantCulture, $" rcpt={RecipientsPerMessage} rcpt_rate={Rate * RecipientsPerMessage:0} rcpt/s")
            : "";

    private static string FormatMs(double ms) =>
        double.IsNaN(ms) ? "-" : string.Create(CultureInfo.InvariantCulture, $"{ms:0.0}ms");

    /// <summary>The same figures plus p90/p999/max as a single JSON object line.</summary>
    public string JsonLine()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("label", label);
            json.WriteNumber("connections", connections);
            json.WriteNumber("messages", messages);
            json.WriteNumber("size", size);
            json.WriteNumber("ok", ok);
            json.WriteNumber("errors", errors);
            json.WriteNumber("elapsedSeconds", Math.Round(elapsed.TotalSeconds, 3));
            json.WriteNumber("rate", Math.Round(Rate, 1));
            foreach (var (name, p) in new[] { ("p50Ms", 0.50), ("p90Ms", 0.90), ("p99Ms", 0.99), ("p999Ms", 0.999), ("maxMs", 1.0) })
            {
                var value = PercentileMs(p);
                if (double.IsNaN(value))
                {
                    json.WriteNull(name);
                }
                else
                {
                    json.WriteNumber(name, Math.Round(value, 2));
                }
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
