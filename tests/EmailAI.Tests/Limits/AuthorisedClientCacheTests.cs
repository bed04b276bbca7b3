using System.Net;
using EmailAI.Contracts;
using EmailAI.Gateway;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Limits;

/// <summary>
/// <see cref="AuthorisedClientCache"/>: one grain call per address per 30 s, shared by concurrent askers; a failure or a
/// timeout is "not authorised" and asked again after 5 s; the number of addresses held is bounded.
/// </summary>
public sealed class AuthorisedClientCacheTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private readonly FakeTimeProvider _time = new();
    private int _calls;

    private AuthorisedClientCache Cache(Func<IPAddress, Task<AuthorisedClientCheck>> ask) =>
        new(address =>
        {
            Interlocked.Increment(ref _calls);
            return ask(address);
        }, _time, NullLogger<AuthorisedClientCache>.Instance);

    private static Task<AuthorisedClientCheck> OnList(IPAddress address) =>
        Task.FromResult(new AuthorisedClientCheck(address.Equals(A) ? "192.0.2.%" : null, 7));

    [Fact]
    public async Task IsAuthorisedAsync_Repeated_AskedOncePerAnswerLifetime()
    {
        var cache = Cache(OnList);
        Assert.True(await cache.IsAuthorisedAsync(A, default));
        Assert.False(await cache.IsAuthorisedAsync(IPAddress.Parse("192.0.2.2"), default));
        _time.Advance(AuthorisedClientCache.AnswerLifetime - Tick);
        Assert.True(await cache.IsAuthorisedAsync(A, default));
        Assert.True(await cache.IsAuthorisedAsync(A.MapToIPv6(), default));
        Assert.Equal(2, _calls);

        _time.Advance(Tick);
        Assert.True(await cache.IsAuthorisedAsync(A, default));

        Assert.Equal(3, _calls);
    }

    [Fact]
    public async Task IsAuthorisedAsync_ConcurrentAskers_ShareOneCall()
    {
        var answer = new TaskCompletionSource<AuthorisedClientCheck>();
        var cache = Cache(_ => answer.Task);
        var waiting = Enumerable.Range(0, 20).Select(_ => cache.IsAuthorisedAsync(A, default).AsTask()).ToArray();
        answer.SetResult(new AuthorisedClientCheck("192.0.2.1", 1));

        Assert.All(await Task.WhenAll(waiting), Assert.True);
        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task IsAuthorisedAsync_CallFails_NotAuthorisedAndAskedAgainAfterFailureLifetime()
    {
        var fail = true;
        var cache = Cache(address => fail ? Task.FromException<AuthorisedClientCheck>(new TimeoutException("silo gone")) : OnList(address));
        Assert.False(await cache.IsAuthorisedAsync(A, default));
        fail = false;
        _time.Advance(AuthorisedClientCache.FailureLifetime - Tick);
        Assert.False(await cache.IsAuthorisedAsync(A, default));
        Assert.Equal(1, _calls);

        _time.Advance(Tick);

        Assert.True(await cache.IsAuthorisedAsync(A, default));
        Assert.Equal(2, _calls);
    }

    [Fact]
    public async Task IsAuthorisedAsync_CallNeverAnswers_NotAuthorisedAfterAskTimeout()
    {
        var cache = Cache(_ => new TaskCompletionSource<AuthorisedClientCheck>().Task);
        var asking = cache.IsAuthorisedAsync(A, default).AsTask();
        _time.Advance(AuthorisedClientCache.AskTimeout - Tick);
        Assert.False(asking.IsCompleted);

        _time.Advance(Tick);

        Assert.False(await asking.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task IsAuthorisedAsync_MoreAddressesThanMaxEntries_HoldsAtMostMaxEntries()
    {
        var cache = Cache(OnList);
        for (var i = 0; i < AuthorisedClientCache.MaxEntries + 500; i++)
        {
            await cache.IsAuthorisedAsync(new IPAddress(0x0A000000u + (uint)i), default);
        }

        Assert.InRange(cache.Count, 1, AuthorisedClientCache.MaxEntries);
    }
}
