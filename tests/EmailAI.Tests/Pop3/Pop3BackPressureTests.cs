using System.Buffers;
using System.Net;
using System.Text;
using EmailAI.Protocols.Pop3;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// Pipelined commands (RFC 2449 PIPELINING) are run one per <see cref="Pop3Session.ProcessAsync"/> call, so the
/// host hands each response to its writer (which pushes back) before the next command runs; RETR data is
/// returned as a reference to the stored message, never copied into the response.
/// </summary>
public sealed class Pop3BackPressureTests
{
    [Fact]
    public async Task ProcessAsync_BurstOfTenThousandCapa_OneCommandAndOneResponsePerCall()
    {
        var session = new Pop3Session(new Pop3Options(), "s", IPAddress.Loopback, true, new FakePop3Backend(), new FakeTimeProvider());
        var input = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("CAPA\r\n", 10_000))));
        var responses = new List<Pop3Response>();

        var consumed = await session.ProcessAsync(input, responses, CancellationToken.None);

        Assert.Equal(6, input.Slice(input.Start, consumed).Length);
        var response = Assert.Single(responses);
        Assert.Equal(Pop3Responses.CapabilityList, response.StatusLine);
    }

    [Fact]
    public async Task ProcessAsync_PartialLine_ConsumesNothingAndAnswersNothing()
    {
        var session = new Pop3Session(new Pop3Options(), "s", IPAddress.Loopback, true, new FakePop3Backend(), new FakeTimeProvider());
        var input = new ReadOnlySequence<byte>("STA"u8.ToArray());
        var responses = new List<Pop3Response>();

        var consumed = await session.ProcessAsync(input, responses, CancellationToken.None);

        Assert.Equal(input.Start, consumed);
        Assert.Empty(responses);
    }

    [Fact]
    public async Task Retr_LargeMessage_ResponseRefersToTheStoredBytesWithoutCopying()
    {
        var harness = new Pop3TestHarness();
        var stored = new byte[4 * 1024 * 1024];
        stored.AsSpan().Fill((byte)'x');
        "Subject: big\r\n\r\n"u8.CopyTo(stored);
        harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, 7, stored);
        harness.Start();
        await harness.SendAsync("USER alice\r\nPASS wonderland\r\n");

        await harness.SendLineAsync("RETR 1");

        var response = harness.Responses[^1];
        Assert.Equal([$"+OK {stored.Length} octets"], response.Lines);
        Assert.NotNull(response.Content);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(response.Content.Message, out var segment));
        Assert.Same(stored, segment.Array);
        Assert.Equal(1, harness.Session.MessagesRetrieved);
        Assert.Equal(stored.Length, harness.Session.OctetsRetrieved);
    }
}
