using System.Diagnostics;

namespace EmailAI.Protocols.Common;

/// <summary>
/// Spans that exist whether or not a tracer listens: a span of the source when one does, else a bare activity with the
/// same trace identity, so log lines written under it (with <c>IncludeScopes</c>) carry the trace id for correlation,
/// exported or not. The one mechanism behind <c>SmtpTracing.Start</c> (gateway) and <c>SiloTracing.Start</c> (silo).
/// </summary>
public static class Spans
{
    /// <summary>
    /// Starts <paramref name="name"/> under <paramref name="parent"/>, or under the current activity when it is
    /// <c>default</c> (a new trace when there is none). Always W3C ids, so the id can be stored and parsed back.
    /// </summary>
    public static Activity Start(ActivitySource source, string name, ActivityKind kind, ActivityContext parent = default)
    {
        if (source.StartActivity(name, kind, parent) is { } span)
        {
            return span;
        }

        var bare = new Activity(name).SetIdFormat(ActivityIdFormat.W3C);
        return (parent == default ? bare : bare.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags)).Start();
    }
}
