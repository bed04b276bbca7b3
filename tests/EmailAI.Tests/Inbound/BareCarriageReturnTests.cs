using System.Text;
using EmailAI.Grains.Inbound;

namespace EmailAI.Tests.Inbound;

/// <summary>
/// Regression (black-box attack, issue 13): <c>X-Foo: a&lt;CR&gt;X-EmailAI-WhiteList: pass</c> kept a mark some readers
/// see as its own field. Inbound copies have the bare CRs of their header block made spaces before fields are removed.
/// </summary>
public sealed class BareCarriageReturnTests
{
    [Fact]
    public void WithoutBareCarriageReturns_HeaderBareCr_BecomesSpace_BodyKept()
    {
        var content = Encoding.ASCII.GetBytes("X-Foo: a\rX-EmailAI-WhiteList: pass\r\nSubject: s\r\n\r\nbody\rstays\r\n");

        var result = Encoding.ASCII.GetString(InboundChecks.WithoutBareCarriageReturns(content));

        Assert.Equal("X-Foo: a X-EmailAI-WhiteList: pass\r\nSubject: s\r\n\r\nbody\rstays\r\n", result);
    }

    [Fact]
    public void WithoutBareCarriageReturns_NoBareCr_SameArray()
    {
        var content = Encoding.ASCII.GetBytes("Subject: s\r\n\r\nbody\r\n");
        Assert.Same(content, InboundChecks.WithoutBareCarriageReturns(content));
    }
}
