using System.Diagnostics;
using EmailAI.Grains;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Grains;

/// <summary>
/// Silo spans join the trace whose traceparent the ingest request or the queue row carries: under it when nothing
/// current is in that trace (a delivery hours later), under the current activity when Orleans already carried the
/// trace there, and as a bare activity in that trace when no tracer listens (for the log lines). Without a usable
/// traceparent they are children of what is current, or a new trace.
/// </summary>
[Collection(SmtpTracingCollection.Name)]
public sealed class SiloTracingTests
{
    private const string Parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private static ActivityListener Listen()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SiloTracing.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [Fact]
    public void Start_StoredParentNothingCurrent_SpanUnderTheParent()
    {
        using var listener = Listen();
        Activity.Current = null;

        using var span = SiloTracing.Start("smtp.delivery", ActivityKind.Client, Parent);

        Assert.Equal(SiloTracing.Name, span.Source.Name);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToString());
        Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToString());
        Assert.Equal(ActivityKind.Client, span.Kind);
    }

    [Fact]
    public void Start_UnrelatedActivityCurrent_StoredParentWins()
    {
        using var listener = Listen();
        using var timer = new Activity("queue scan").SetIdFormat(ActivityIdFormat.W3C).Start();

        using var span = SiloTracing.Start("smtp.delivery", ActivityKind.Client, Parent);

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToString());
        Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToString());
    }

    [Fact]
    public void Start_CurrentAlreadyInTheTrace_ChildOfCurrent()
    {
        using var listener = Listen();
        Activity.Current = null;
        using var carried = new Activity("orleans call").SetParentId(Parent).Start();

        using var span = SiloTracing.Start("message.ingest", ActivityKind.Internal, Parent);

        Assert.Equal(carried.TraceId, span.TraceId);
        Assert.Equal(carried.SpanId, span.ParentSpanId);
    }

    [Fact]
    public void Start_NoListener_BareActivityInTheParentsTrace()
    {
        Activity.Current = null;

        using var span = SiloTracing.Start("smtp.delivery", ActivityKind.Client, Parent);

        Assert.Same(span, Activity.Current);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToString());
        Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a traceparent")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    public void Start_NoUsableParent_NewTraceOrChildOfCurrent(string? traceParent)
    {
        Activity.Current = null;
        using (var alone = SiloTracing.Start("smtp.delivery", ActivityKind.Client, traceParent))
        {
            Assert.Equal(default, alone.ParentSpanId);
            Assert.Equal(ActivityIdFormat.W3C, alone.IdFormat);
            Assert.NotEqual(default, alone.TraceId);
        }

        using var current = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        using var child = SiloTracing.Start("smtp.delivery", ActivityKind.Client, traceParent);
        Assert.Equal(current.TraceId, child.TraceId);
    }
}
