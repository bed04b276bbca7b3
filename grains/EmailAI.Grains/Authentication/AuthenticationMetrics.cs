using System.Diagnostics.Metrics;

namespace EmailAI.Grains.Authentication;

/// <summary>Sender authentication instruments, on the meter <c>EmailAI.Authentication</c>.</summary>
public static class AuthenticationMetrics
{
    public const string MeterName = "EmailAI.Authentication";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>
    /// One count per result per method and message: tag <c>method</c> = spf, dkim (one per signature, or none), dmarc
    /// or arc; tag <c>result</c> = the Authentication-Results result (pass, fail, none, temperror, …).
    /// </summary>
    public static readonly Counter<long> Results =
        Meter.CreateCounter<long>("emailai.auth.results", "{result}", "Sender authentication results of inbound messages, by method and result");

    /// <summary>Tag <c>disposition</c> = accept, reject or temporaryfailure.</summary>
    public static readonly Histogram<double> Duration =
        Meter.CreateHistogram<double>("emailai.auth.duration", "ms", "SPF, DKIM, ARC and DMARC checks of one inbound message, together");

    internal static void Record(AuthenticationReport report, TimeSpan elapsed)
    {
        Count("spf", report.Spf.Result.ToString().ToLowerInvariant());
        if (report.Dkim.Count == 0)
        {
            Count("dkim", "none");
        }

        foreach (var dkim in report.Dkim)
        {
            Count("dkim", dkim.Result);
        }

        Count("dmarc", report.Dmarc.Result);
        Count("arc", report.Arc);
        Duration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("disposition", report.Disposition.ToString().ToLowerInvariant()));
    }

    private static void Count(string method, string result) =>
        Results.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("result", result));
}
