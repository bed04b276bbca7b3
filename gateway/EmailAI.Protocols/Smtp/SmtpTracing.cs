using System.Diagnostics;
using EmailAI.Protocols.Common;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// The trace source of SMTP transactions: <see cref="SmtpSession"/> starts one root span, <c>smtp.transaction</c>, per
/// transaction (an accepted MAIL's syntax to its end) and makes it current for the grain calls the transaction makes, so
/// the policy checks, the commit and, through the queue, every delivery attempt join the same trace. Spans exist only
/// while a tracer listens (EmailAI exports them over OTLP when an endpoint is configured); without one the
/// transaction still has a trace id, for its log lines.
/// </summary>
public static class SmtpTracing
{
    public const string Name = "EmailAI.Smtp";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>
    /// A root span of <see cref="Source"/> when a tracer listens; otherwise a bare activity all the same, so the log lines
    /// written under it (with <c>IncludeScopes</c>) and the grain calls it makes share one trace id for correlation,
    /// exported or not. One allocation per transaction or session, never per command.
    /// </summary>
    public static Activity Start(string name, ActivitySource? source = null)
    {
        Activity.Current = null;
        return Spans.Start(source ?? Source, name, ActivityKind.Server);
    }
}
