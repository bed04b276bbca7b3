using System.Diagnostics.Metrics;

namespace EmailAI.Grains.Quarantine;

/// <summary>
/// The quarantine's size, as each silo's <see cref="QuarantineSweeper"/> last read it (every
/// <see cref="QuarantineOptions.SampleInterval"/>). The figures are the whole store's, so every silo of a cluster reports
/// the same: take max(), not sum(), across silos.
/// </summary>
public static class QuarantineMetrics
{
    private static readonly Meter Meter = new("EmailAI.Storage");

    private static long _messages;
    private static long _bytes;

    static QuarantineMetrics()
    {
        Meter.CreateObservableGauge("emailai.quarantine.messages", () => Interlocked.Read(ref _messages), "{message}", "Messages held in the quarantine of every account, at the last sample");
        Meter.CreateObservableGauge("emailai.quarantine.bytes", () => Interlocked.Read(ref _bytes), "By", "Octets held in the quarantine of every account, at the last sample");
    }

    public static void Record(long messages, long bytes)
    {
        Interlocked.Exchange(ref _messages, messages);
        Interlocked.Exchange(ref _bytes, bytes);
    }
}
