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
        Meter.CreateUpDownCounter<long>("emailai.delivery.open_connections", "{connection}", "Outbound SMTP connections open now");
}
