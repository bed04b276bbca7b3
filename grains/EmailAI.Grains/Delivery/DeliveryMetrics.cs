using System.Diagnostics.Metrics;

namespace EmailAI.Grains.Delivery;

/// <summary>Outbound delivery instruments, on the meter "EmailAI.Delivery".</summary>
public static class DeliveryMetrics
{
    public const string MeterName = "EmailAI.Delivery";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Recipients by outcome of one attempt: tag <c>outcome</c> = sent, deferred or bounced.</summary>
    public static readonly Counter<long> Recipients =
        Meter.CreateCounter<long>("emailai.delivery.recipients", "{recipient}", "Outbound recipients by the outcome of a delivery attempt");

    /// <summary>Connections to remote servers: tag <c>result</c> = opened or failed.</summary>
    public static readonly Counter<long> Connections =
        Meter.CreateCounter<long>("emailai.delivery.connections", "{connection}", "Outbound SMTP connections opened or failed");

    public static readonly Histogram<double> TransactionDuration =
        Meter.CreateHistogram<double>("emailai.delivery.transaction.duration", "ms", "MAIL to the reply after the content, one message on one connection");

    public static readonly UpDownCounter<long> OpenConnections =
        Meter.CreateUpDownCounter<long>("emailai.delivery.open_connections", "{connection}", "Outbound SMTP connections open now, by destination");

    private static QueueSample _queue = new(0, 0, 0, 0);

    /// <summary>The outbound queue as the last scan of this silo saw it (every silo reports the same queue: chart the max).</summary>
    public static void Record(QueueSample sample) => Volatile.Write(ref _queue, sample);

    static DeliveryMetrics()
    {
        Meter.CreateObservableGauge("emailai.queue.recipients", () => Volatile.Read(ref _queue).Recipients, "{recipient}", "Outbound queue rows (one per recipient), at the last scan");
        Meter.CreateObservableGauge("emailai.queue.held", () => Volatile.Read(ref _queue).Held, "{recipient}", "Outbound queue rows on hold, at the last scan");
        Meter.CreateObservableGauge("emailai.queue.destinations", () => Volatile.Read(ref _queue).Destinations, "{destination}", "Destinations with queued mail, at the last scan");
        Meter.CreateObservableGauge("emailai.queue.oldest_age", () => Volatile.Read(ref _queue).OldestAgeSeconds, "s", "Age of the oldest queued message, at the last scan (0 when the queue is empty)");
    }
}

/// <summary>What one scan saw of the outbound queue.</summary>
public sealed record QueueSample(long Recipients, long Held, long Destinations, double OldestAgeSeconds);
