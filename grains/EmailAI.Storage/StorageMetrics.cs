using System.Diagnostics.Metrics;

namespace EmailAI.Storage;

/// <summary>Storage instruments, on the meter "EmailAI.Storage".</summary>
public static class StorageMetrics
{
    public const string MeterName = "EmailAI.Storage";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Histogram<int> CommitBatchSize =
        Meter.CreateHistogram<int>("emailai.storage.commit.batch_size", "{write}", "Writes committed together in one group commit");

    public static readonly Histogram<double> CommitDuration =
        Meter.CreateHistogram<double>("emailai.storage.commit.duration", "ms", "Time to run and commit one batch, fsync included");
}
