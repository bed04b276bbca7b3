using System.Diagnostics;
using EmailAI.Protocols.Common;

namespace EmailAI.Grains;

/// <summary>
/// The trace source of silo work: <c>store.commit</c> (a message's copies written) and <c>smtp.delivery</c> (one
/// outbound attempt to one host), both under the trace of the SMTP transaction that brought the message in: its
/// traceparent comes with the ingest request and is stored with each outbound copy, so a trace shows the transaction,
/// its commit and every delivery attempt, hours later and on another silo. Both are tagged with the queue id.
/// </summary>
public static class SiloTracing
{
    public const string Name = "EmailAI.Silo";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>
    /// A span of <see cref="Source"/> in the trace of <paramref name="traceParent"/> (a W3C traceparent; under the
    /// current activity instead when that is already in the same trace, as when Orleans carried it). Without a listener,
    /// a bare activity all the same, so log lines written under it carry the transaction's trace id. Without a valid
    /// parent, a child of the current activity or a new trace.
    /// </summary>
    public static Activity Start(string name, ActivityKind kind, string? traceParent)
    {
        var parent = ActivityContext.TryParse(traceParent, null, out var stored) && Activity.Current?.TraceId != stored.TraceId ? stored : default;
        return Spans.Start(Source, name, kind, parent);
    }
}
