using EmailAI.Contracts;

namespace EmailAI.Grains;

/// <summary>
/// Failed-login counter for one account or client address, kept in memory (see <see cref="ILoginThrottleGrain"/>).
/// Failures older than the window are forgotten.
/// </summary>
public sealed class LoginThrottleGrain(TimeProvider time) : Grain, ILoginThrottleGrain
{
    /// <summary>Failures remembered at most, whatever the policy; bounds memory per key.</summary>
    private const int MaxRemembered = 1000;

    private readonly Queue<DateTimeOffset> _failures = new();

    public Task<bool> IsBlockedAsync(int maxFailures, TimeSpan window)
    {
        Forget(window);
        return Task.FromResult(maxFailures > 0 && _failures.Count >= maxFailures);
    }

    public Task RecordFailureAsync(TimeSpan window)
    {
        Forget(window);
        _failures.Enqueue(time.GetUtcNow());
        while (_failures.Count > MaxRemembered)
        {
            _failures.Dequeue();
        }

        return Task.CompletedTask;
    }

    public Task ResetAsync()
    {
        _failures.Clear();
        return Task.CompletedTask;
    }

    private void Forget(TimeSpan window)
    {
        var cutoff = time.GetUtcNow() - window;
        while (_failures.Count > 0 && _failures.Peek() <= cutoff)
        {
            _failures.Dequeue();
        }
    }
}
