using System.Diagnostics.Metrics;
using EmailAI.Grains.Delivery;

namespace EmailAI.Grains;

/// <summary>Ingest instruments, on the delivery meter (<see cref="DeliveryMetrics.MeterName"/>), which every node exports.</summary>
public static class IngestMetrics
{
    private static readonly Meter Meter = new(DeliveryMetrics.MeterName);

    /// <summary>Messages not committed because the caller's deadline (<c>IngestRequest.CommitBy</c>) had passed: it answered 451.</summary>
    public static readonly Counter<long> LateCommitsAbandoned =
        Meter.CreateCounter<long>("emailai.ingest.late_commits_abandoned", "{message}", "Messages not committed because the gateway's deadline had passed (it answered 451)");
}
