using System.Net;
using EmailAI.Gateway.Smtp;

namespace EmailAI.Tests.Grains;

public sealed class ConnectionLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");

    [Fact]
    public void TryAcquire_AtPerClientLimit_RefusedOtherClientsStillServed()
    {
        var limiter = new ConnectionLimiter();
        Assert.True(limiter.TryAcquire(A, maxTotal: 10, maxPerClient: 2));
        Assert.True(limiter.TryAcquire(A, 10, 2));
        Assert.False(limiter.TryAcquire(A, 10, 2));
        Assert.True(limiter.TryAcquire(B, 10, 2));
        Assert.Equal(3, limiter.Total);

        limiter.Release(A);
        Assert.True(limiter.TryAcquire(A, 10, 2));
    }

    [Fact]
    public void TryAcquire_AtTotalLimit_Refused()
    {
        var limiter = new ConnectionLimiter();
        Assert.True(limiter.TryAcquire(A, maxTotal: 2, maxPerClient: 50));
        Assert.True(limiter.TryAcquire(B, 2, 50));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("192.0.2.3"), 2, 50));
        Assert.Equal(2, limiter.Total);
    }

    [Fact]
    public async Task AcquireRelease_Concurrently_CountsReturnToZero()
    {
        var limiter = new ConnectionLimiter();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                if (limiter.TryAcquire(A, 1000, 4))
                {
                    limiter.Release(A);
                }
            }
        })));
        Assert.Equal(0, limiter.Total);
        Assert.True(limiter.TryAcquire(A, 1000, 1));
    }
}
