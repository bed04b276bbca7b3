using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Auth;

/// <summary>
/// The silo's one gate for slow password hashing (a singleton per silo). Work never runs inside a grain turn, so an
/// account grain awaiting it leaves the Orleans scheduler free for every other grain; at most
/// <see cref="PasswordHashingOptions.MaxConcurrentHashes"/> run at once, and a caller that cannot get a slot within
/// its wait is told so instead of queueing. Each hash runs on a thread of its own, not a thread-pool thread: the pool
/// keeps only one thread per core at its minimum, so as many 120 ms hashes as cores held every pool thread and the
/// node's other work (Orleans, Kestrel, SMTP) waited for the pool to grow; measured in a 600-login storm, that stalled
/// SMTP for 1.5 to 3 s. A thread costs tens of microseconds to start, nothing next to the hash. Thread-safe.
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
            // The default scheduler named explicitly, so the hash never runs on the grain's; LongRunning gives it a
            // thread of its own instead of one of the pool's (see the class comment).
            var result = await Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
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
