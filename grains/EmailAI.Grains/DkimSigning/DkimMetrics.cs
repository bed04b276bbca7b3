using System.Diagnostics.Metrics;
using EmailAI.Grains.Delivery;

namespace EmailAI.Grains.DkimSigning;

/// <summary>DKIM signing instruments, on the delivery meter (<see cref="DeliveryMetrics.MeterName"/>), which every node exports.</summary>
public static class DkimMetrics
{
    private static readonly Meter Meter = new(DeliveryMetrics.MeterName);

    /// <summary>
    /// Outbound messages a key applied to, by tag <c>result</c>: <c>signed</c>, <c>already_signed</c> (it carried our
    /// signature), <c>failed</c> (sent unsigned: a header that cannot be signed or a signing error).
    /// </summary>
    public static readonly Counter<long> Signatures =
        Meter.CreateCounter<long>("emailai.dkim.signatures", "{message}", "Outbound messages a DKIM key applied to, by result");
}
