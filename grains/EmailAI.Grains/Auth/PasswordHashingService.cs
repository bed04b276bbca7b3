using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Auth;

/// <summary>
/// The silo's one gate for slow password hashing (a singleton per silo). Work runs on the thread pool, never inside
/// a grain turn, so an account grain awaiting it leaves the Orleans scheduler free for every other grain; at most
/// <see cref="PasswordHashingOptions.MaxConcurrentHashes"/> run at once, and a caller that cannot get a slot within
/// its wait is told so instead of queueing. Thread-safe.
/// </summary>
public sealed class PasswordHashingService(IOptions<PasswordHashingOptions> options)
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.MaxConcurrentHashes));

    /// <summary>
    /// Runs <paramref name="work"/> in a slot, waiting at most <see cref="PasswordHashingOptions.HashSlotWait"/>
    /// (or without a bound when <paramref name="waitForSlot"/>, for an admin setting a password, which must not fail
    /// for load). <c>Ran</c> is false when no slot came in time; the work did not run then.
    /// </summary>
    public async Task<(bool Ran, T Result)> RunAsync<T>(Func<T> work, HashPurpose purpose, bool waitForSlot = false)
    {
        var wait = waitForSlot ? Timeout.InfiniteTimeSpan : options.Value.HashSlotWait;
        if (!await _slots.WaitAsync(wait))
        {
            Count(purpose, "busy");
            return (false, default!);
        }

        try
        {
            // Task.Run names the default scheduler explicitly: the hash never runs on the grain's scheduler.
            var result = await Task.Run(work);
            Count(purpose, "hashed");
            return (true, result);
        }
        finally
        {
            _slots.Release();
        }
    }

    private static void Count(HashPurpose purpose, string result) =>
        AuthMetrics.PasswordHashes.Add(1,
            new KeyValuePair<string, object?>("purpose", purpose.ToString().ToLowerInvariant()),
            new KeyValuePair<string, object?>("result", result));
}
